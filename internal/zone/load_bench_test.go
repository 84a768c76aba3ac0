package zone

import (
	"os"
	"testing"
)

// BenchmarkLoadLarge loads the master file named by ANYCLOUD_LOAD_ZONE
// (origin tld.), e.g. the benchmark's 1M-delegation zone, to profile what a
// node's start costs:
// ANYCLOUD_LOAD_ZONE=bench/work/.../zone.signed taskset -c 0 go test -run '^$' -bench LoadLarge -benchtime 1x -cpuprofile /tmp/load.prof ./internal/zone
func BenchmarkLoadLarge(b *testing.B) {
	path := os.Getenv("ANYCLOUD_LOAD_ZONE")
	if path == "" {
		b.Skip("set ANYCLOUD_LOAD_ZONE to a tld. zone file")
	}
	for b.Loop() {
		if _, err := Load("tld.", path); err != nil {
			b.Fatal(err)
		}
	}
}
