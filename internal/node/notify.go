package node

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// notifyGap is the least time between two NOTIFY-triggered refreshes of one
// zone. A signed NOTIFY can be replayed for the TSIG fudge (five minutes),
// and a busy zone's hub sends one per version: either way the node asks the
// hub at most once per gap, and the last NOTIFY of a burst is served late,
// not dropped.
var notifyGap = time.Second

// badNotifyLogged is when a refused signed NOTIFY was last logged at warn
// level (Unix seconds).
var badNotifyLogged atomic.Int64

// handleNotify is the authoritative server's NOTIFY hook. A NOTIFY counts
// only from an address of a configured hub AND signed with the key of THAT
// hub (each hub signs every NOTIFY with the key it has for this node, so
// one hub's key does not pass a NOTIFY from another hub's address): an
// address is easy to spoof over UDP, and a forged
// NOTIFY would send the node to the hub on the sender's schedule. Unsigned:
// REFUSED; badly signed: NOTAUTH with the TSIG error (RFC 8945 5.2); both
// trigger nothing. A good one is answered signed and triggers a check of
// the catalog or member, at most once per notifyGap per zone.
func (n *Node) handleNotify(msg []byte, req *dns.Msg, src netip.AddrPort) []byte {
	resp := new(dns.Msg)
	resp.SetReply(req)
	t := req.IsTsig()
	hub := n.hubAt(src.Addr())
	if len(req.Question) != 1 || hub == nil || t == nil || hub.Key == nil {
		resp.Rcode = dns.RcodeRefused
		n.log.Debug("NOTIFY refused: not from a hub address, or unsigned", "from", src.String())
		return pack(resp)
	}
	provider := xfr.Provider(hub.Key)
	if err := dns.TsigVerifyWithProvider(msg, provider, "", false); err != nil {
		// Warn once a minute at most: the source address is easy to spoof.
		level := slog.LevelDebug
		if now := time.Now().Unix(); badNotifyLogged.Load() <= now-60 {
			badNotifyLogged.Store(now)
			level = slog.LevelWarn
		}
		n.log.Log(context.Background(), level, "NOTIFY with a bad TSIG refused (a wrong hub key, or forged)", "from", src.String(), "hub", hub.Name, "key", t.Hdr.Name, "err", err)
		return pack(notAuth(req, t, err))
	}
	m := n.lookup(dns.CanonicalName(req.Question[0].Name))
	if m == nil || m.sec == nil {
		resp.Rcode = dns.RcodeRefused
	} else {
		resp.Authoritative = true
		n.log.Debug("NOTIFY from a hub", "hub", hub.Name, "zone", m.origin, "from", src.String())
		m.notify.trigger(func() { m.sec.Notify() }, notifyGap, time.Now())
	}
	resp.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	out, _, err := dns.TsigGenerateWithProvider(resp, provider, t.MAC, false)
	if err != nil {
		return nil
	}
	return out
}

// notAuth answers a request whose TSIG did not verify: NOTAUTH and the
// request's TSIG echoed unsigned with the error (BADKEY, BADSIG, BADTIME).
func notAuth(req *dns.Msg, t *dns.TSIG, err error) *dns.Msg {
	code := dns.RcodeBadSig
	switch err {
	case dns.ErrSecret, dns.ErrKeyAlg:
		code = dns.RcodeBadKey
	case dns.ErrTime:
		code = dns.RcodeBadTime
	}
	resp := new(dns.Msg)
	resp.SetRcode(req, dns.RcodeNotAuth)
	resp.Extra = append(resp.Extra, &dns.TSIG{
		Hdr:       dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: t.Algorithm, TimeSigned: t.TimeSigned, Fudge: t.Fudge, OrigId: t.OrigId, Error: uint16(code),
	})
	return resp
}

func pack(m *dns.Msg) []byte {
	out, err := m.Pack()
	if err != nil {
		return nil
	}
	return out
}

// notifyGate spaces one zone's NOTIFY-triggered refreshes: the first runs
// at once, later ones within the gap are folded into one run at its end.
type notifyGate struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
}

func (g *notifyGate) trigger(refresh func(), gap time.Duration, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending {
		return
	}
	if wait := g.last.Add(gap).Sub(now); wait > 0 {
		g.pending = true
		time.AfterFunc(wait, func() {
			g.mu.Lock()
			g.pending, g.last = false, time.Now()
			g.mu.Unlock()
			refresh()
		})
		return
	}
	g.last = now
	refresh()
}

// hubAt returns the configured hub with address a, or nil (an address
// belongs to one hub only: the configuration refuses a shared one).
func (n *Node) hubAt(a netip.Addr) *Hub {
	for i := range n.cfg.Hubs {
		h := &n.cfg.Hubs[i]
		if slices.ContainsFunc(h.Addrs, func(s string) bool {
			ap, err := netip.ParseAddrPort(s)
			return err == nil && ap.Addr().Unmap() == a.Unmap()
		}) {
			return h
		}
	}
	return nil
}

func (n *Node) lookup(origin string) *member {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.catalog != nil && n.catalog.origin == origin {
		return n.catalog
	}
	return n.members[origin]
}
