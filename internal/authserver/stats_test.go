package authserver

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestStats: queries are counted per zone by type, rcode, transport, EDNS
// and DO, across UDP sockets and TCP connections, and survive a new version
// of the zone.
func TestStats(t *testing.T) {
	s := testServer(t)
	addrs := startServing(t, s)
	ask := func(proto, name string, qtype uint16, do bool) {
		m := new(dns.Msg).SetQuestion(name, qtype)
		if do {
			m.SetEdns0(1232, true)
		}
		c := &dns.Client{Net: proto, Timeout: 2 * time.Second}
		if _, _, err := c.Exchange(m, addrs[0]); err != nil {
			t.Fatal(err)
		}
	}
	ask("udp", "sv.", dns.TypeSOA, true)
	ask("udp", "nothere.sv.", dns.TypeA, false)
	s.Publish(s.Zone("sv.")) // a new version keeps the counts
	ask("tcp", "www.sv.", dns.TypeAAAA, false)
	ask("udp", "shop.com.sv.", dns.TypeA, false)
	ask("udp", "example.org.", dns.TypeA, false)

	byZone := map[string]ZoneStats{}
	for _, z := range s.Stats() {
		byZone[z.Zone] = z
	}
	sv := byZone["sv."]
	if sv.Queries != 3 || sv.UDP != 2 || sv.TCP != 1 || sv.EDNS != 1 || sv.DO != 1 || sv.IPv4 != 3 {
		t.Errorf("sv. counts: %+v", sv)
	}
	if sv.Qtype["SOA"] != 1 || sv.Qtype["A"] != 1 || sv.Qtype["AAAA"] != 1 {
		t.Errorf("sv. qtypes: %v", sv.Qtype)
	}
	if sv.Rcode["NOERROR"] != 2 || sv.Rcode["NXDOMAIN"] != 1 {
		t.Errorf("sv. rcodes: %v", sv.Rcode)
	}
	if byZone["com.sv."].Queries != 1 || byZone[""].Rcode["REFUSED"] != 1 {
		t.Errorf("com.sv. %+v, none %+v", byZone["com.sv."], byZone[""])
	}
	var sized uint64
	for _, n := range sv.Size {
		sized += n
	}
	if sized != sv.Queries {
		t.Errorf("size buckets sum to %d, want %d", sized, sv.Queries)
	}
}
