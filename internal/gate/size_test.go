package gate

import (
	"fmt"
	"strings"
	"testing"
)

// hosts is a zone of zoneText plus n A records, each with rdata extra as
// TXT when txt is set (to grow the bytes, not the records).
func hosts(serial string, n int, txt string) string {
	var b strings.Builder
	for i := range n {
		if txt != "" {
			fmt.Fprintf(&b, "h%d 3600 IN TXT %q\n", i, txt)
			continue
		}
		fmt.Fprintf(&b, "h%d 3600 IN A 192.0.2.%d\n", i, i%250+1)
	}
	return zoneText(serial, b.String())
}

// TestCheckSize: a version is refused when the client's zones together
// would go over the records or bytes allowed, or when it grows more than
// the factor allowed against the version in service (unless an operator's
// retransfer accepts it once), and the reason names the key to raise and
// the command to accept.
func TestCheckSize(t *testing.T) {
	cur := version(t, "example.", hosts("10", 1000, ""))
	long := strings.Repeat("x", 250)
	tests := []struct {
		name      string
		candidate string
		size      Size
		check     string
		want      []string
	}{
		{"grew 20x", hosts("11", 20000, ""), Size{MaxGrowth: 10, Client: "ex"}, "growth",
			[]string{"20006 records against 1006", "19.9 times", "limits.max-growth", "anycloud hub retransfer example"}},
		{"grew 20x, accepted once", hosts("11", 20000, ""), Size{MaxGrowth: 10, AcceptGrowth: true}, "", nil},
		{"grew 9x", hosts("11", 9000, ""), Size{MaxGrowth: 10}, "", nil},
		{"no growth limit", hosts("11", 20000, ""), Size{}, "", nil},
		{"small zone grew 9x", hosts("11", 9000, ""), Size{MaxGrowth: 2}, "", nil},
		{"bytes grew", hosts("11", 5000, long), Size{MaxGrowth: 4}, "growth", []string{"MiB of records against", "limits.max-growth"}},
		{"client records", hosts("11", 1000, ""), Size{MaxRecords: 1500, OtherRecords: 600, Client: "ex"}, "size",
			[]string{"client ex would hold 1606 records", "600 in its other zones", "limits.max-client-records", "limits.max-records", "anycloud hub reload"}},
		{"client records, growth accepted", hosts("11", 1000, ""), Size{MaxRecords: 1500, OtherRecords: 600, AcceptGrowth: true}, "size", nil},
		{"client records within", hosts("11", 1000, ""), Size{MaxRecords: 1606, OtherRecords: 600}, "", nil},
		{"client bytes", hosts("11", 5000, long), Size{MaxBytes: 1 << 20, OtherBytes: 1 << 10, Client: "ex"}, "size",
			[]string{"client ex would hold", "more than the 1 MiB allowed", "limits.max-client-megabytes", "limits.max-megabytes"}},
		{"client bytes within", hosts("11", 1000, ""), Size{MaxBytes: 1 << 20, OtherBytes: 1 << 10}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(cur, version(t, "example.", tt.candidate), Policy{SkipBuild: true, Size: tt.size})
			got := ""
			if r != nil {
				got = r.Check
			}
			if got != tt.check {
				t.Fatalf("check = %q (%v), want %q", got, r, tt.check)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Reason, w) {
					t.Errorf("reason %q does not say %q", r.Reason, w)
				}
			}
		})
	}
}
