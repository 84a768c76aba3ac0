package zone

import (
	"os"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
)

// BenchmarkLoadLarge loads the master file named by ANYCLOUD_LOAD_ZONE
// (origin tld.), e.g. the benchmark's 1M-delegation zone, to profile what a
// node's start costs:
// ANYCLOUD_LOAD_ZONE=bench/work/.../zone.signed taskset -c 0 go test -run '^$' -bench LoadLarge -benchtime 1x -cpuprofile /tmp/load.prof ./internal/zone
func BenchmarkLoadLarge(b *testing.B) {
	path := os.Getenv("ANYCLOUD_LOAD_ZONE")
	if path == "" {
		testenv.SkipByChoice(b, "set ANYCLOUD_LOAD_ZONE to a tld. zone file")
	}
	for b.Loop() {
		if _, err := Load("tld.", path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiekgParseOnly reads the master file named by ANYCLOUD_LOAD_ZONE
// with miekg/dns's zone parser alone, building nothing: the floor under
// Load's time, which is what an engine held to that parser can start in.
// ANYCLOUD_LOAD_ZONE=bench/work/.../zone.signed taskset -c 0 go test -run '^$' -bench MiekgParseOnly -benchtime 1x ./internal/zone
func BenchmarkMiekgParseOnly(b *testing.B) {
	path := os.Getenv("ANYCLOUD_LOAD_ZONE")
	if path == "" {
		testenv.SkipByChoice(b, "set ANYCLOUD_LOAD_ZONE to a tld. zone file")
	}
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		zp := dns.NewZoneParser(f, "tld.", path)
		n := 0
		for _, ok := zp.Next(); ok; _, ok = zp.Next() {
			n++
		}
		f.Close()
		if err := zp.Err(); err != nil || n == 0 {
			b.Fatalf("%d records, %v", n, err)
		}
		b.ReportMetric(float64(n), "records")
	}
}
