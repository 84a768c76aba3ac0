package zonever

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// FuzzTransferStream feeds arbitrary transfer answers (a DNS message's
// answer section, as an AXFR or IXFR stream delivers records) through the
// incremental-transfer parser, the version constructor, delta application
// and the snapshot patch: none may panic, and a delta that applies must
// patch to the same records as a full build.
func FuzzTransferStream(f *testing.F) {
	seed := func(lines ...string) []byte {
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
	soa := func(n string) string { return "example. 60 IN SOA ns.example. admin.example. " + n + " 1 1 1 1" }
	f.Add(seed(soa("3"), soa("1"), "a.example. 60 IN A 192.0.2.1", soa("2"), "b.example. 60 IN A 192.0.2.2",
		soa("2"), soa("3"), "c.example. 60 IN TXT x", soa("3")))
	f.Add(seed(soa("2"), "example. 60 IN NS ns.example.", "ns.example. 60 IN A 192.0.2.1", soa("2")))
	base, err := New("example.", mustParse(f, soa("1")+"\nexample. 60 IN NS ns.example.\nns.example. 60 IN A 192.0.2.1\na.example. 60 IN A 192.0.2.1\n"))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := base.Snapshot(nil, nil); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		m := new(dns.Msg)
		if m.Unpack(msg) != nil || len(m.Answer) < 2 {
			return
		}
		if v, err := New("example.", m.Answer); err == nil {
			_, _ = zone.Build(v.Origin, v.RRs)
		}
		deltas, err := ParseDeltas(m.Answer[1 : len(m.Answer)-1])
		if err != nil || len(deltas) == 0 {
			return
		}
		next, err := Apply(base, deltas)
		if err != nil {
			return
		}
		built, buildErr := zone.Build(next.Origin, next.RRs)
		patched, ok := patchFrom(base, deltas, next.Serial())
		if ok && buildErr == nil && texts(patched.Records()) != texts(built.Records()) {
			t.Fatalf("patched and built differ:\n%s\n---\n%s", texts(patched.Records()), texts(built.Records()))
		}
	})
}

func mustParse(f *testing.F, text string) []dns.RR {
	var out []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "seed")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		out = append(out, rr)
	}
	if err := zp.Err(); err != nil {
		f.Fatal(err)
	}
	return out
}
