package authserver

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Queries from away: how many queries reached each local address from
// another host. A draining node watches this for its service addresses
// (RFC 8326 drain: withdraw once the traffic has moved), and must not see
// its own health checks, which come from loopback or from the address
// itself, nor queries to its unicast address (the monitor's). Each UDP
// socket owns its counter, so the hot path adds to an uncontended word;
// TCP connections share one per local address.

type awayRegistry struct {
	mu sync.Mutex
	m  map[netip.Addr][]*atomic.Uint64
}

// counter returns a new counter registered under local (UDP: one per
// socket) or, with shared, the address's first one (TCP).
func (r *awayRegistry) counter(local netip.Addr, shared bool) *atomic.Uint64 {
	local = local.Unmap()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[netip.Addr][]*atomic.Uint64{}
	}
	if shared && len(r.m[local]) > 0 {
		return r.m[local][0]
	}
	c := new(atomic.Uint64)
	r.m[local] = append(r.m[local], c)
	return c
}

// QueriesFromAway returns how many queries reached addr from another host
// since the server started (neither loopback nor addr itself as source).
// Sockets bound to a wildcard address count under 0.0.0.0 or ::, except
// TCP, which knows each connection's own address.
func (s *Server) QueriesFromAway(addr netip.Addr) uint64 {
	s.away.mu.Lock()
	list := s.away.m[addr.Unmap()]
	s.away.mu.Unlock()
	var n uint64
	for _, c := range list {
		n += c.Load()
	}
	return n
}

// countAway adds one to c unless src is this host speaking to local.
func countAway(c *atomic.Uint64, src netip.AddrPort, local netip.Addr) {
	a := src.Addr().Unmap()
	if a.IsLoopback() || a == local {
		return
	}
	c.Add(1)
}

func localAddr(a net.Addr) netip.Addr {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.AddrPort().Addr().Unmap()
	case *net.TCPAddr:
		return v.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}
