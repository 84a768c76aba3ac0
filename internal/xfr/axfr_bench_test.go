package xfr

import (
	"context"
	"net"
	"os"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
	"anycloud/internal/zonever"
)

// BenchmarkAXFRLarge transfers the zone in the master file named by
// ANYCLOUD_LOAD_ZONE (origin tld.) over TCP on loopback, TSIG-signed, and
// builds the receiver's serving snapshot: what a node does at its first
// contact with the hub, from unpacked records (records) or read in place
// (snapshot, Client.Snapshot). Server and receiver share the process; a CPU
// profile tells them apart (ServeAXFR vs Client.AXFR and Snapshot):
// ANYCLOUD_LOAD_ZONE=bench/work/.../zone.unsigned go test -run '^$' -bench AXFRLarge -benchtime 1x -cpuprofile /tmp/axfr.prof ./internal/xfr
func BenchmarkAXFRLarge(b *testing.B) {
	path := os.Getenv("ANYCLOUD_LOAD_ZONE")
	if path == "" {
		testenv.SkipByChoice(b, "set ANYCLOUD_LOAD_ZONE to a tld. zone file")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	var rrs []dns.RR
	zp := dns.NewZoneParser(f, "tld.", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	f.Close()
	if err := zp.Err(); err != nil {
		b.Fatal(err)
	}
	v, err := zonever.New("tld.", rrs)
	if err != nil {
		b.Fatal(err)
	}
	key, err := NewKey("bench.", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, TsigProvider: Provider(key), Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if w.TsigStatus() != nil {
			b.Error("request TSIG:", w.TsigStatus())
			return
		}
		if err := ServeAXFR(w, r, Served{Version: v}); err != nil {
			b.Error(err)
		}
	})}
	go srv.ActivateAndServe()
	defer srv.Shutdown()
	for _, snapshot := range []bool{false, true} {
		name := map[bool]string{false: "records", true: "snapshot"}[snapshot]
		b.Run(name, func(b *testing.B) {
			c := Client{Key: key, Snapshot: snapshot}
			for b.Loop() {
				res, err := c.AXFR(context.Background(), ln.Addr().String(), "tld.")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := res.Version.Snapshot(nil, nil); err != nil {
					b.Fatal(err)
				}
				if res.Records != len(rrs)+1 {
					b.Fatalf("%d records received, want %d", res.Records, len(rrs)+1)
				}
			}
		})
	}
}
