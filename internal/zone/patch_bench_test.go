package zone

import (
	"os"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
)

// BenchmarkPatchLarge applies a one-delegation change to the zone named by
// ANYCLOUD_PATCH_ZONE (origin tld.), e.g. the benchmark's 1M-delegation zone:
// ANYCLOUD_PATCH_ZONE=bench/work/... go test -run '^$' -bench PatchLarge ./internal/zone
func BenchmarkPatchLarge(b *testing.B) {
	path := os.Getenv("ANYCLOUD_PATCH_ZONE")
	if path == "" {
		testenv.SkipByChoice(b, "set ANYCLOUD_PATCH_ZONE to a tld. zone file")
	}
	old, err := Load("tld.", path)
	if err != nil {
		b.Fatal(err)
	}
	soa := old.SOA()
	next := *soa
	next.Serial++
	add, _ := dns.NewRR("newdomain.tld. 86400 IN NS ns1.example.")
	for b.Loop() {
		if _, err := Patch(old, []dns.RR{soa}, []dns.RR{&next, add}); err != nil {
			b.Fatal(err)
		}
	}
}
