package zonever

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func parseVersion(t *testing.T, text string) *Version {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	v, err := New("example.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWireBytes: a version's size is the same counted from its records,
// from its snapshot, and from its predecessor's plus the deltas, so the
// gate's per-client bytes limit does not depend on how the version came.
func TestWireBytes(t *testing.T) {
	base := "example. 60 SOA ns admin 1 1 1 1 1\nexample. 60 NS ns\nns 60 A 192.0.2.1\nns 60 AAAA 2001:db8::1\n" +
		"www 300 CNAME ns\nmail 60 MX 10 ns\ntxt 60 TXT \"a\" \"bc\"\nd1 60 NS ns.d1\nns.d1 60 A 198.51.100.1\n"
	cases := []struct{ name, from, to string }{
		{"added", base, strings.Replace(base, "1 1 1 1 1", "2 1 1 1 1", 1) + "new 60 TXT \"hello world\"\nd2 60 NS ns.d2\n"},
		{"removed", base, strings.Replace(strings.Replace(base, "1 1 1 1 1", "2 1 1 1 1", 1), "mail 60 MX 10 ns\n", "", 1)},
		{"changed", base, strings.Replace(strings.Replace(base, "1 1 1 1 1", "2 1 1 1 1", 1), "192.0.2.1", "192.0.2.99", 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from, to := parseVersion(t, c.from), parseVersion(t, c.to)
			var want int64
			for _, rr := range to.RRs {
				want += int64(dns.Len(rr))
			}
			if got := parseVersion(t, c.to).WireBytes(); got != want {
				t.Errorf("from records: %d, want %d", got, want)
			}
			if _, err := to.Snapshot(nil, nil); err != nil {
				t.Fatal(err)
			}
			if got := to.Held().WireBytes(); got != want {
				t.Errorf("from the snapshot: %d, want %d", got, want)
			}
			if got := from.WireBytes() + DeltaWireBytes([]Delta{Diff(from, to)}); got != want {
				t.Errorf("from the predecessor and the delta: %d, want %d", got, want)
			}
		})
	}
}
