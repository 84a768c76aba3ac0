package hub

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/knotprimary"
	"anycloud/internal/secondary"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// BenchmarkAcceptSmallChange measures the hub's work for one IXFR of a
// one-delegation change to a 200,000-delegation zone: applying the delta,
// the gate, the journal and the store.
func BenchmarkAcceptSmallChange(b *testing.B) {
	const delegations = 200000
	v := parseVersion(b, knotprimary.ZoneText("example.", 1, 3600, 600, 86400, delegations))
	h, err := New(&Config{Storage: b.TempDir(), MaxShrink: 0.5}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	z := &servedZone{origin: "example."}
	z.cur.Store(&content{version: v})
	if err := h.store.Save(v, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cur := z.current()
		next := soaWithSerial(cur.SOA(), cur.Serial()+1)
		added, _ := dns.NewRR("new" + strings.Repeat("x", i%7) + ".example. 3600 IN NS ns.example.net.")
		d := zonever.Delta{From: cur.SOA(), To: next, Added: []dns.RR{added}}
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
