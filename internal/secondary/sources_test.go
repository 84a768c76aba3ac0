package secondary

import (
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

func answer(name string, serial uint32) soaResult {
	return soaResult{src: Source{Name: name}, ans: &xfr.SOAAnswer{SOA: &dns.SOA{Serial: serial}}}
}

// An older serial is followed only when every configured hub answered
// with that same serial.
func TestOlderNotAgreed(t *testing.T) {
	for _, tc := range []struct {
		name       string
		answered   []soaResult
		configured int
		follow     bool
	}{
		{"both agree", []soaResult{answer("a", 3), answer("b", 3)}, 2, true},
		{"one hub", []soaResult{answer("a", 3)}, 1, true},
		{"one of two answered", []soaResult{answer("a", 3)}, 2, false},
		{"they disagree", []soaResult{answer("a", 3), answer("b", 4)}, 2, false},
		{"two of three", []soaResult{answer("a", 3), answer("b", 3)}, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			why := olderNotAgreed(tc.answered, tc.configured)
			if (why == "") != tc.follow {
				t.Fatalf("follow=%v (%q), want %v", why == "", why, tc.follow)
			}
		})
	}
}
