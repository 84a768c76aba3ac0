package hub

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/secondary"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// BenchmarkAcceptSmallChange measures the hub's work for one IXFR of a
// one-delegation change to a 200,000-delegation zone
// (ANYCLOUD_BENCH_DELEGATIONS to change it): applying the delta, the gate
// with its engine check, the journal and the store.
func BenchmarkAcceptSmallChange(b *testing.B) {
	delegations := 200000
	if n, _ := strconv.Atoi(os.Getenv("ANYCLOUD_BENCH_DELEGATIONS")); n > 0 {
		delegations = n
	}
	v := parseVersion(b, testpeer.ZoneText("example.", 1, 3600, 600, 86400, delegations))
	h, err := New(&Config{Storage: b.TempDir(), MaxShrink: 0.5, EngineCheck: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	z := &servedZone{origin: "example."}
	z.cur.Store(&content{version: v})
	if err := h.store.Save(v, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := v.Snapshot(nil, nil); err != nil { // as the gate built it
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cur := z.current()
		next := soaWithSerial(cur.SOA(), cur.Serial()+1)
		ns, _ := dns.NewRR(fmt.Sprintf("new%d.example. 3600 IN NS ns.new%d.example.", i, i))
		glue, _ := dns.NewRR(fmt.Sprintf("ns.new%d.example. 3600 IN A 198.51.100.7", i))
		d := zonever.Delta{From: cur.SOA(), To: next, Added: []dns.RR{ns, glue}}
		nv, err := zonever.Apply(cur, []zonever.Delta{d})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.accept(z, &xfr.Pulled{Kind: xfr.KindIXFR, SOA: next, Version: nv, Deltas: []zonever.Delta{d}}, "bench", secondary.Request{}); err != nil {
			b.Fatal(err)
		}
	}
}

func parseVersion(tb testing.TB, text string) *zonever.Version {
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	v, err := zonever.New("example.", rrs)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
