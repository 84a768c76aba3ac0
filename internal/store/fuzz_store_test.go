package store

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
	"anycloud/internal/zonever"
)

// fuzzApex is the apex every fuzzed version starts with.
func fuzzApex(serial uint32) []dns.RR {
	return []dns.RR{
		&dns.SOA{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
			Ns: "ns.example.", Mbox: "admin.example.", Serial: serial, Refresh: 60, Retry: 60, Expire: 600, Minttl: 60},
		&dns.NS{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 60}, Ns: "ns.example."},
	}
}

// servedSet is what a version serves: the records of the snapshot the
// serving engine builds from it, as sorted distinct presentation lines.
// The engine normalizes (names in lower case, one TTL per RRset), the same
// before and after a restart; a restart must give back exactly this.
func servedSet(t *testing.T, v *zonever.Version) ([]string, bool) {
	var rrs []dns.RR
	if err := v.Each(func(rr dns.RR) error {
		rrs = append(rrs, rr)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	z, err := zone.Build(v.Origin, rrs)
	if err != nil {
		return nil, false
	}
	var out []string
	if err := z.EachRecord(func(rr dns.RR) error {
		out = append(out, rr.String())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

func packed(f *testing.F, lines ...string) []byte {
	m := new(dns.Msg)
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			f.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	b, err := m.Pack()
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzStoreRoundTrip stores versions made of records from the wire (the
// answer section of a fuzzed message, after the apex SOA and NS), as the
// hub and nodes store what they transferred, then opens the directory
// again as a restarted process does and loads: the records are exactly
// those stored. Only versions the serving engine builds are stored (the
// hub's gate and the node's snapshot build first), so only those are. With journal set, a first version is stored whole and the
// second as a journal delta from it, so the load replays the journal.
func FuzzStoreRoundTrip(f *testing.F) {
	f.Add(packed(f, "a.example. 60 IN A 192.0.2.1", "b.example. 60 IN TXT \"x y\" z", "c.example. 60 IN MX 10 mail.example."), false)
	f.Add(packed(f, "a.example. 60 IN A 192.0.2.1", "a.example. 60 IN AAAA 2001:db8::1", "sub.example. 60 IN NS ns.sub.example.",
		"ns.sub.example. 60 IN A 192.0.2.9", "*.example. 60 IN CNAME a.example."), true)
	f.Add(packed(f, "x.example. 60 IN TXT \"$INCLUDE /etc/passwd\"", "y.example. 60 IN TXT \";\" \"(\" \"\\\"\"",
		"z.example. 60 IN CAA 0 issue \"ca.example\"", "e.example. 60 IN TYPE65280 \\# 3 010203"), true)
	f.Add(packed(f, "h1.example. 60 IN NSEC3 1 0 10 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
		"h2.example. 60 IN NSEC3 1 1 0 AABB 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", "example. 60 IN NSEC3PARAM 1 0 0 -",
		"example. 60 IN ZONEMD 2 1 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"), false)
	f.Add(packed(f, "a.example. 60 IN CNAME b.example.", "a.example. 60 IN A 192.0.2.1", "out.of.zone. 60 IN A 192.0.2.2"), false)
	f.Fuzz(func(t *testing.T, msg []byte, journal bool) {
		m := new(dns.Msg)
		if m.Unpack(msg) != nil {
			return
		}
		var rrs []dns.RR
		for _, rr := range m.Answer {
			if h := rr.Header(); h.Rrtype != dns.TypeSOA && h.Rrtype != dns.TypeOPT && h.Rrtype != dns.TypeTSIG {
				rrs = append(rrs, rr)
			}
		}
		v2, err := zonever.New("example.", append(fuzzApex(2), rrs...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zone.Build(v2.Origin, v2.RRs); err != nil {
			return // neither the hub (its gate builds) nor a node stores it
		}
		dir := t.TempDir()
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		var j *zonever.Journal
		if journal {
			// The first version: every other record, so the delta both
			// deletes and adds.
			var half []dns.RR
			for i, rr := range rrs {
				if i%2 == 0 {
					half = append(half, rr)
				}
			}
			v1, err := zonever.New("example.", append(fuzzApex(1), half...))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Save(v1, nil); err != nil {
				return // a record the store cannot write: refused, not lost
			}
			j = zonever.NewJournal([]zonever.Delta{zonever.Diff(v1, v2)})
		}
		if err := s.Save(v2, j); err != nil {
			return
		}
		restarted, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := restarted.Load("example.")
		if err != nil {
			t.Fatalf("stored version does not load: %v", err)
		}
		if got == nil || restarted.JournalDamaged("example.") {
			t.Fatalf("stored version lost (damaged journal %v)", restarted.JournalDamaged("example."))
		}
		want, _ := servedSet(t, v2)
		have, ok := servedSet(t, got)
		if !ok || !slices.Equal(want, have) {
			t.Fatalf("records changed across a restart:\nstored:\n%s\nloaded:\n%s", strings.Join(want, "\n"), strings.Join(have, "\n"))
		}
	})
}

// FuzzStoreLoadBytes puts arbitrary bytes where the zone file and the
// journal of a zone are stored (a disk that damaged them, an operator's
// edit) and loads: never a panic, and either an error or a version of the
// zone that stores and loads again unchanged.
func FuzzStoreLoadBytes(f *testing.F) {
	zoneFile := "; anycloud zone example. serial 2, 4 records\nexample.\t60\tIN\tSOA\tns.example. admin.example. 2 60 60 600 60\n" +
		"example.\t60\tIN\tNS\tns.example.\nns.example.\t60\tIN\tA\t192.0.2.1\na.example.\t60\tIN\tTXT\t\"x\"\n"
	journal := "example.\t60\tIN\tSOA\tns.example. admin.example. 2 60 60 600 60\n" +
		"example.\t60\tIN\tSOA\tns.example. admin.example. 3 60 60 600 60\nb.example.\t60\tIN\tA\t192.0.2.2\n"
	f.Add([]byte(zoneFile), []byte(nil))
	f.Add([]byte(zoneFile), []byte(journal))
	f.Add([]byte(zoneFile), []byte(journal[:len(journal)/2]))
	f.Add([]byte(zoneFile[:len(zoneFile)-20]), []byte(journal))
	f.Add([]byte("$ORIGIN example.\n$TTL 60\n@ SOA ns admin 1 1 1 1 1\n@ NS ns\n$GENERATE 1-3 h$ A 192.0.2.$\n"), []byte(nil))
	f.Add([]byte("$INCLUDE /nonexistent\n"), []byte("\x00\xff"))
	f.Add([]byte("other. 60 IN SOA ns. admin. 1 1 1 1 1\n"), []byte(nil))
	f.Fuzz(func(t *testing.T, zoneFile, journalFile []byte) {
		if strings.Contains(strings.ToUpper(string(zoneFile)+string(journalFile)), "$INCLUDE") {
			return // stored files never hold one; reading arbitrary paths is not this test's business
		}
		dir := t.TempDir()
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.path("example.", zoneSuffix), zoneFile, 0o600); err != nil {
			t.Fatal(err)
		}
		if journalFile != nil {
			if err := os.WriteFile(s.path("example.", journalSuffix), journalFile, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		v, _, err := s.Load("example.")
		if err != nil || v == nil {
			if err == nil {
				t.Fatal("a stored file loaded as nothing")
			}
			return
		}
		if v.Origin != "example." || !strings.EqualFold(v.SOA().Hdr.Name, "example.") {
			t.Fatalf("loaded a version of %s, SOA %v", v.Origin, v.SOA())
		}
		if err := s.Save(v, nil); err != nil {
			return
		}
		again, _, err := s.Load("example.")
		if err != nil || again == nil {
			t.Fatalf("a loaded version, stored again, does not load: %v", err)
		}
		want, ok := servedSet(t, v)
		if !ok {
			return // not servable: the hub's gate refuses it, nodes do not build it
		}
		if have, ok := servedSet(t, again); !ok || !slices.Equal(want, have) {
			t.Fatalf("records changed when stored again:\nfirst:\n%s\nthen:\n%s", strings.Join(want, "\n"), strings.Join(have, "\n"))
		}
	})
}

// TestStoredTextParsesBack keeps what FuzzStoreRoundTrip found: records
// read from the wire (no rdata at all, or empty fields) whose presentation
// form the zone parser refuses,
// which made the whole stored zone unloadable after a restart (the hub
// then does not start: its stored copies load before it serves).
func TestStoredTextParsesBack(t *testing.T) {
	hdr := func(name string, rtype uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: rtype, Class: dns.ClassINET, Ttl: 60}
	}
	tests := []struct {
		name string
		rr   dns.RR
	}{
		{"SRV without rdata", &dns.SRV{Hdr: hdr("_s._tcp.example.", dns.TypeSRV)}},
		{"CAA with an empty tag", &dns.CAA{Hdr: hdr("c.example.", dns.TypeCAA), Flag: 48}},
		{"MX without rdata", &dns.MX{Hdr: hdr("m.example.", dns.TypeMX)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := zonever.New("example.", append(fuzzApex(2), tt.rr))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := servedSet(t, v)
			if !ok {
				t.Fatal("the engine refuses it, so the case tests nothing: it was one the engine accepted")
			}
			dir := t.TempDir()
			s, _ := Open(dir)
			if err := s.Save(v, nil); err != nil {
				t.Fatal(err)
			}
			restarted, _ := Open(dir)
			got, _, err := restarted.Load("example.")
			if err != nil || got == nil {
				t.Fatalf("stored version does not load: %v", err)
			}
			if have, ok := servedSet(t, got); !ok || !slices.Equal(want, have) {
				t.Fatalf("records changed across a restart:\n%s\n---\n%s", strings.Join(want, "\n"), strings.Join(have, "\n"))
			}
		})
	}
}
