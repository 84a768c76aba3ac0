package hub

import (
	"net"
	"net/netip"
	"time"

	"anycloud/internal/tcpslots"
)

// DefaultTCP bounds the hub's DNS listener: nodes transfer and primaries
// send NOTIFY here, a few hundred connections at most; one /24 or /56 may
// hold a tenth of them unless it is a configured node's address.
var DefaultTCP = tcpslots.Limits{MaxConns: 500, MaxPerPrefix: 50, IdleTimeout: 10 * time.Second}

// tcpListener listens on addr with the hub's TCP slots: every listen
// address shares one table, so the cap is on the whole listener.
func (h *Hub) tcpListener(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h.tcpOnce.Do(func() {
		lim := h.config().TCP
		if lim.MaxConns == 0 { // a Config made in code, not parsed
			lim = DefaultTCP
		}
		lim.Exempt = h.isNodeAddress
		h.tcpSlots = tcpslots.New(lim)
	})
	return tcpslots.Listen(ln, h.tcpSlots), nil
}

// isNodeAddress tells whether a is the host of a configured node's address
// (the current configuration, so a node added later counts at once).
func (h *Hub) isNodeAddress(a netip.Addr) bool {
	for _, n := range h.config().Nodes {
		if hostOf(n.Address) == a {
			return true
		}
	}
	return false
}
