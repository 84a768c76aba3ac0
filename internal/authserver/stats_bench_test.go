package authserver

import (
	"log/slog"
	"net/netip"
	"syscall"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// BenchmarkStatsCost answers the same query mix with per-zone statistics
// on and off (Config.NoStats, `anycloud serve --stats off`), without
// sockets, so the difference is the counting alone. The whole-server
// figure with dnsperf is `go run ./bench --servers anycloud --stats-cost`
// (docs/bench.md). Compare with:
//
//	go test -run '^$' -bench StatsCost -count 10 ./internal/authserver
func BenchmarkStatsCost(b *testing.B) {
	mix := []struct {
		name  string
		qtype uint16
		do    bool
	}{{"www.sv.", dns.TypeA, false}, {"x.gob.sv.", dns.TypeA, true}, {"nothere.sv.", dns.TypeAAAA, true}, {"sv.", dns.TypeSOA, false}}
	var wires [][]byte
	for _, q := range mix {
		m := new(dns.Msg).SetQuestion(q.name, q.qtype)
		m.SetEdns0(1232, q.do)
		w, err := m.Pack()
		if err != nil {
			b.Fatal(err)
		}
		wires = append(wires, w)
	}
	src := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:5300"), netip.MustParseAddrPort("[2001:db8::1]:5300")}
	for _, stats := range []string{"on", "off"} {
		b.Run("stats="+stats, func(b *testing.B) {
			s := New(Config{NSID: "bench", NoStats: stats == "off", Logger: slog.New(slog.DiscardHandler)})
			for origin, file := range map[string]string{"sv.": "testdata/sv.zone", "com.sv.": "testdata/com.sv.zone"} {
				z, err := zone.Load(origin, file)
				if err != nil {
					b.Fatal(err)
				}
				s.Publish(z)
			}
			h := newHandler(s)
			b.ReportAllocs()
			i := 0
			cpu0 := processCPU(b)
			for b.Loop() {
				if h.handle(wires[i%len(wires)], src[i&1], i%8 != 0) == nil {
					b.Fatal("no answer")
				}
				i++
			}
			// CPU time, unlike ns/op, is not charged while other work
			// holds the core: the steadier figure on a shared machine.
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
			var counted uint64
			for _, z := range s.Stats() {
				counted += z.Queries
			}
			if (stats == "on") != (counted > 0) {
				b.Fatalf("statistics %s, %d queries counted", stats, counted)
			}
		})
	}
}

// processCPU is the process's user+system CPU time in nanoseconds.
func processCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
