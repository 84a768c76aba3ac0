package zonever

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkApplyAndPatch is the work for one small IXFR (a delegation with
// glue) to a large zone (ANYCLOUD_BENCH_DELEGATIONS delegations, 100,000
// by default): the hub's, applying the delta to the records then patching
// the snapshot ("records"), and a node's, patching the snapshot of a held
// version ("held").
func BenchmarkApplyAndPatch(b *testing.B) {
	for _, held := range []bool{false, true} {
		name := map[bool]string{false: "records", true: "held"}[held]
		b.Run(name, func(b *testing.B) { benchApplyAndPatch(b, held) })
	}
}

func benchApplyAndPatch(b *testing.B, held bool) {
	n, _ := strconv.Atoi(os.Getenv("ANYCLOUD_BENCH_DELEGATIONS"))
	if n <= 0 {
		n = 100000
	}
	var text strings.Builder
	text.WriteString("$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n")
	for i := range n {
		fmt.Fprintf(&text, "d%d NS ns.d%d\nns.d%d A 198.51.100.%d\n", i, i, i, i%250+1)
	}
	v := parseText(b, text.String())
	if _, err := v.Snapshot(nil, nil); err != nil {
		b.Fatal(err)
	}
	if held {
		v = v.Held()
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		soa := *v.SOA()
		soa.Serial++
		ns, _ := dns.NewRR(fmt.Sprintf("x%d.example. 3600 IN NS ns.x%d.example.", i, i))
		glue, _ := dns.NewRR(fmt.Sprintf("ns.x%d.example. 3600 IN A 198.51.100.7", i))
		d := []Delta{{From: v.SOA(), To: &soa, Added: []dns.RR{ns, glue}}}
		next, err := Apply(v, d)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := next.Snapshot(v, d); err != nil {
			b.Fatal(err)
		}
		v = next
	}
}

func parseText(tb testing.TB, text string) *Version {
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		tb.Fatal(err)
	}
	v, err := New("example.", rrs)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
