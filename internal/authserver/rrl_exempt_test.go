package authserver

import (
	"net/netip"
	"testing"
)

// TestRRLExempt: an exempt prefix is never limited, IPv4-mapped sources
// included; others still are.
func TestRRLExempt(t *testing.T) {
	l := newRRL(RRLConfig{ResponsesPerSecond: 2, Slip: -1, Exempt: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	l.now = func() int64 { return 1 }
	cases := []struct {
		src  string
		want verdict // of the 10th response
	}{
		{"192.0.2.9", rrlPass},
		{"::ffff:192.0.2.9", rrlPass},
		{"198.51.100.9", rrlDrop},
	}
	for _, c := range cases {
		var v verdict
		for i := 0; i < 10; i++ {
			v = l.check(netip.MustParseAddr(c.src), rrlAnswer, []byte("x"))
		}
		if v != c.want {
			t.Errorf("%s: verdict %d, want %d", c.src, v, c.want)
		}
	}
}
