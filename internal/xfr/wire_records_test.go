package xfr

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
	"anycloud/internal/zonever"
)

// signingSources are the conformance zones' unsigned sources that sign.sh
// signs under several origins, so they name none themselves.
var signingSources = map[string]bool{"edge.zone": true, "apexwild.zone": true}

// TestSnapshotAXFRMatchesRecords transfers the conformance zones (every
// record type the suite has, signed with NSEC and NSEC3, mixed case, names
// compressed by the sender) both ways, into records then a snapshot and
// straight into a snapshot, and checks that both snapshots hold the same
// records.
func TestSnapshotAXFRMatchesRecords(t *testing.T) {
	zones, err := filepath.Glob("../conformance/testdata/zones/*.zone")
	if err != nil || len(zones) < 5 {
		t.Fatalf("conformance zones: %v %v", zones, err)
	}
	key, err := NewKey("k.", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range zones {
		if signingSources[filepath.Base(path)] {
			continue // no $ORIGIN: their signed forms (*.signed.zone) are transferred instead
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			origin, rrs := readZone(t, path)
			v, err := zonever.New(origin, rrs)
			if err != nil {
				t.Fatal(err)
			}
			addr := serveAXFR(t, key, v)
			var got [2][]string
			for i, snapshot := range []bool{false, true} {
				c := Client{Key: key, Snapshot: snapshot}
				res, err := c.AXFR(context.Background(), addr, origin)
				if err != nil {
					t.Fatalf("snapshot=%v: %v", snapshot, err)
				}
				if res.Records != len(v.RRs)+1 || res.SOA.Serial != v.Serial() {
					t.Fatalf("snapshot=%v: %d records, serial %d; want %d, %d", snapshot, res.Records, res.SOA.Serial, len(v.RRs)+1, v.Serial())
				}
				z, err := res.Version.Snapshot(nil, nil)
				if err != nil {
					t.Fatalf("snapshot=%v: %v", snapshot, err)
				}
				got[i] = recordStrings(t, z)
			}
			if len(got[0]) < 5 || !slices.Equal(got[0], got[1]) {
				t.Fatalf("records path: %d records, snapshot path: %d records, or they differ:\n%v\n%v", len(got[0]), len(got[1]), got[0], got[1])
			}
		})
	}
}

func readZone(t *testing.T, path string) (string, []dns.RR) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rrs []dns.RR
	zp := dns.NewZoneParser(f, "", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	// The SOA first, as a version wants it.
	for i, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeSOA {
			rrs[0], rrs[i] = rrs[i], rrs[0]
			return rr.Header().Name, rrs
		}
	}
	t.Fatalf("%s: no SOA", path)
	return "", nil
}

func serveAXFR(t *testing.T, key *Key, v *zonever.Version) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, TsigProvider: Provider(key), Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if w.TsigStatus() == nil {
			ServeAXFR(w, r, Served{Version: v})
		}
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

func recordStrings(t *testing.T, z *zone.Zone) []string {
	t.Helper()
	var out []string
	if err := z.EachRecord(func(rr dns.RR) error {
		out = append(out, rr.String())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestWireReaderMatchesMiekg reads crafted records both ways: what the wire
// reader takes as it is must be what miekg unpacks and packs back.
func TestWireReaderMatchesMiekg(t *testing.T) {
	for _, text := range []string{
		"a.example. 60 IN NS NS1.Example.",
		"example. 60 IN SOA ns1.example. hostmaster.example. 1 2 3 4 5",
		"example. 60 IN MX 10 mail.example.",
		"a.example. 60 IN A 192.0.2.1",
		"a.example. 60 IN AAAA 2001:db8::1",
		"a.example. 60 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		`a.example. 60 IN TXT "one" "" "three"`,
		"a.example. 60 IN NSEC b.example. A NS RRSIG NSEC TYPE1234",
		"a.example. 60 IN NSEC3 1 1 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
		"example. 60 IN NSEC3PARAM 1 0 0 aabb",
		"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 12345 example. AAAA",
		"a.example. 60 IN CAA 0 issue \"ca.example\"",
		"_sip._udp.example. 60 IN SRV 0 0 5060 sip.example.",
	} {
		rr, err := dns.NewRR(text)
		if err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		m.SetQuestion("example.", dns.TypeAXFR)
		m.Compress = true
		// A record before it, so its names can be compressed.
		first, _ := dns.NewRR("example. 60 IN NS ns1.example.")
		m.Answer = []dns.RR{first, rr}
		msg, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		// Every type but CAA and SRV is read in place, as is the NS before.
		want := 2
		if rr.Header().Rrtype == dns.TypeCAA || rr.Header().Rrtype == dns.TypeSRV {
			want = 1
		}
		if got := compareWireAndMiekg(t, msg); got != want {
			t.Errorf("%s: %d of 2 records read in place, want %d", text, got, want)
		}
	}
}

// compareWireAndMiekg reads every answer record of msg with the wire
// reader and with miekg; a record the reader takes as it is must be
// byte-identical to miekg's unpacked and packed record.
func compareWireAndMiekg(t *testing.T, msg []byte) (inPlace int) {
	t.Helper()
	var r wireReader
	n, err := r.reset(msg)
	if err != nil {
		return 0
	}
	buf := make([]byte, 65536)
	for range n {
		rec, err := r.next()
		if err != nil {
			return inPlace
		}
		if rec.unpack {
			continue
		}
		inPlace++
		rr, _, err := dns.UnpackRR(msg, rec.start)
		if err != nil {
			t.Fatalf("the wire reader took a %s record miekg cannot unpack: %v", dns.TypeToString[rec.rtype], err)
		}
		end, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("the wire reader took a %s record miekg cannot pack: %v", dns.TypeToString[rec.rtype], err)
		}
		ownerLen := len(rec.owner)
		want := buf[:end]
		if !bytes.Equal(want[:ownerLen], rec.owner) || !bytes.Equal(want[ownerLen+10:], rec.rdata) ||
			rr.Header().Rrtype != rec.rtype || rr.Header().Class != rec.class || rr.Header().Ttl != rec.ttl {
			t.Fatalf("%s: wire reader owner %x rdata %x, miekg %x", rr, rec.owner, rec.rdata, want)
		}
	}
	return inPlace
}

// FuzzWireRecords feeds damaged messages to the wire reader: it never
// panics and never takes as it is a record miekg reads differently.
func FuzzWireRecords(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("example.", dns.TypeAXFR)
	m.Compress = true
	for _, text := range []string{
		"example. 60 IN SOA ns1.example. hostmaster.example. 1 2 3 4 5",
		"a.example. 60 IN NS ns1.a.example.",
		"ns1.a.example. 60 IN A 192.0.2.1",
		"a.example. 60 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"a.example. 60 IN NSEC b.example. NS DS RRSIG NSEC",
		"a.example. 60 IN NSEC3 1 1 0 aa 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS",
		"example. 60 IN MX 10 mail.example.",
		`a.example. 60 IN TXT "x"`,
	} {
		rr, err := dns.NewRR(text)
		if err != nil {
			f.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	msg, err := m.Pack()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(msg)
	f.Fuzz(func(t *testing.T, msg []byte) {
		compareWireAndMiekg(t, msg)
	})
}

// TestWireAXFRStream feeds AXFR answers split into messages to the in-place
// reader and checks when the answer is complete and what is refused.
func TestWireAXFRStream(t *testing.T) {
	a := "a.example. 60 A 192.0.2.1"
	b := "b.example. 60 A 192.0.2.2"
	ns := "example. 60 NS ns.example."
	tests := []struct {
		name     string
		messages []string
		records  int    // received, when complete
		kept     int    // in the snapshot
		err      string // refused with this
	}{
		{"one message", []string{soa("5") + "\n" + ns + "\n" + a + "\n" + soa("5")}, 4, 3, ""},
		{"three messages", []string{soa("5"), ns + "\n" + a, b + "\n" + soa("5")}, 5, 4, ""},
		{"a SOA of another serial inside is dropped", []string{soa("5") + "\n" + soa("4") + "\n" + ns + "\n" + soa("5")}, 4, 2, ""},
		{"foreign start", []string{a + "\n" + soa("5")}, 0, 0, "does not start with the zone's SOA"},
		{"records after the closing SOA", []string{soa("5") + "\n" + ns + "\n" + soa("5") + "\n" + a}, 0, 0, "after the closing SOA"},
		{"out of zone", []string{soa("5") + "\n" + "a.other. 60 A 192.0.2.1" + "\n" + soa("5")}, 0, 0, "out of zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &wireAXFR{origin: "example."}
			var err error
			for i, text := range tt.messages {
				if w.done {
					t.Fatalf("complete before message %d", i)
				}
				m := new(dns.Msg)
				m.SetQuestion("example.", dns.TypeAXFR)
				m.Compress = true
				m.Answer = rrs(t, text)
				msg, perr := m.Pack()
				if perr != nil {
					t.Fatal(perr)
				}
				if err = w.add(msg); err != nil {
					break
				}
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || !w.done || w.records != tt.records {
				t.Fatalf("err %v, done %v, %d records; want complete with %d", err, w.done, w.records, tt.records)
			}
			z, err := w.recv.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if got := z.Len(); got != tt.kept {
				t.Fatalf("snapshot of %d records, want %d", got, tt.kept)
			}
		})
	}
}
