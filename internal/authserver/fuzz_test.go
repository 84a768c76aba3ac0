package authserver

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// FuzzHandle feeds arbitrary bytes to the query path: it must never panic,
// and whatever it sends must be a well-formed DNS response to that request.
func FuzzHandle(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"sv.", dns.TypeSOA}, {"x.gob.sv.", dns.TypeA}, {"nx.wild.sv.", dns.TypeTXT}, {"a.old.sv.", dns.TypeA}} {
		m := new(dns.Msg).SetQuestion(q.name, q.qtype)
		m.SetEdns0(1232, true)
		b, _ := m.Pack()
		f.Add(b, true)
	}
	h := newHandler(testServer(f))
	src := netip.MustParseAddrPort("192.0.2.1:53")
	f.Fuzz(func(t *testing.T, msg []byte, udp bool) {
		out := h.handle(msg, src, udp)
		if out == nil {
			return
		}
		if len(out) < 12 || out[0] != msg[0] || out[1] != msg[1] || out[2]&0x80 == 0 {
			t.Fatalf("response header does not match the request")
		}
		if udp && len(out) > 65535 {
			t.Fatalf("oversized response")
		}
		resp := new(dns.Msg)
		if err := resp.Unpack(out); err != nil {
			t.Fatalf("response does not parse: %v", err)
		}
	})
}
