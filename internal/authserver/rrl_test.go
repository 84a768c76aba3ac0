package authserver

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// TestRRL: one prefix asking the same thing past the limit gets every
// second limited response truncated and the rest dropped; other prefixes,
// other names' referrals and the next second are not affected.
func TestRRL(t *testing.T) {
	s := New(Config{RRL: &RRLConfig{ResponsesPerSecond: 10, Slip: 2}, Logger: testServer(t).log})
	for _, origin := range []string{"sv."} {
		s.Publish(testServer(t).Zone(origin))
	}
	clock := int64(1000)
	s.rrl.now = func() int64 { return clock }
	h := newHandler(s)
	ask := func(src, name string) (answered, slipped int) {
		m := new(dns.Msg).SetQuestion(name, dns.TypeA)
		wire, _ := m.Pack()
		out := h.handle(wire, netip.MustParseAddrPort(src), true)
		if out == nil {
			return 0, 0
		}
		resp := new(dns.Msg)
		if err := resp.Unpack(out); err != nil {
			t.Fatal(err)
		}
		if resp.Truncated {
			return 0, 1
		}
		return 1, 0
	}
	total := func(src, name string, n int) (a, sl int) {
		for i := 0; i < n; i++ {
			x, y := ask(src, name)
			a, sl = a+x, sl+y
		}
		return
	}
	if a, sl := total("198.51.100.7:1000", "x.gob.sv.", 100); a != 10 || sl != 45 {
		t.Errorf("flood: %d answered, %d slipped; want 10 and 45", a, sl)
	}
	if a, _ := total("198.51.100.200:1000", "y.gob.sv.", 5); a != 0 {
		t.Errorf("same /24, same delegation: %d answered, want 0 (limited)", a)
	}
	if a, _ := total("198.51.100.200:1000", "x.edu.sv.", 5); a != 5 {
		t.Errorf("same /24, other delegation: %d answered, want 5", a)
	}
	if a, _ := total("203.0.113.9:1000", "x.gob.sv.", 5); a != 5 {
		t.Errorf("other /24: %d answered, want 5", a)
	}
	if a, _ := total("[2001:db8:1:2::1]:1000", "nx1.sv.", 10); a != 10 {
		t.Errorf("IPv6 first 10: %d answered", a)
	}
	if a, _ := total("[2001:db8:1:2a::9]:1000", "nx2.sv.", 10); a != 0 {
		t.Errorf("same /56, NXDOMAIN in the same zone: %d answered, want 0", a)
	}
	clock++
	if a, _ := total("198.51.100.7:1000", "x.gob.sv.", 3); a != 3 {
		t.Errorf("next second: %d answered, want 3", a)
	}
	if st := s.RRLStats(); st.Limited == 0 || st.Slipped == 0 {
		t.Errorf("stats not counted: %+v", st)
	}
}
