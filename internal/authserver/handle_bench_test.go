package authserver

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkHandle measures the query path alone (no sockets) and, more to
// the point, its allocations, which must stay at zero.
func BenchmarkHandle(b *testing.B) {
	h := newHandler(testServer(b))
	src := netip.MustParseAddrPort("192.0.2.1:53")
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www.sv.", dns.TypeA}, {"x.gob.sv.", dns.TypeA}, {"nothere.sv.", dns.TypeA}, {"a.wild.sv.", dns.TypeTXT}} {
		m := new(dns.Msg).SetQuestion(q.name, q.qtype)
		m.SetEdns0(1232, true)
		wire, _ := m.Pack()
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if h.handle(wire, src, true) == nil {
					b.Fatal("no answer")
				}
			}
		})
	}
}
