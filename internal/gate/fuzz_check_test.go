package gate

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
	"anycloud/internal/zonever"
)

// FuzzCheck runs the gate on hostile candidates: the records of a fuzzed
// message's answer section (ZONEMD, RRSIG, DNSKEY, NSEC3 and anything
// else) after a SOA with a fuzzed serial, against a fixed version in
// service, with and without an IXFR's deltas. No candidate panics the
// gate or keeps it busy (a hang, not a speed, is what the 10 s bound
// catches); an accepted one has a newer serial, an apex NS, and builds in
// the serving engine, as every node will build it.
func FuzzCheck(f *testing.F) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	seed := func(text string) []byte {
		v := version(f, "example.", text)
		m := new(dns.Msg)
		m.Answer = v.RRs[1:]
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(seed(zoneText("11", "")), uint32(11), false)
	f.Add(seed(rfc8976A1), uint32(2018031900), false)
	f.Add(seed(zoneText("11", "example. 3600 IN DNSKEY 257 3 13 AAAA\nexample. 3600 IN RRSIG SOA 13 1 3600 20261201000000 20261001000000 1 example. AAAA\n")), uint32(11), true)
	f.Add(seed(zoneText("11", "example. 3600 IN ZONEMD 11 1 1 00\nexample. 3600 IN ZONEMD 11 1 2 00\n")), uint32(11), false)
	f.Add(seed(zoneText("11", "a 3600 IN CNAME b\nx 3600 IN DNAME y\n*.w 3600 IN NS ns1\n")), uint32(11), true)
	cur := version(f, "example.", zoneText("10", ""))
	if _, err := cur.Snapshot(nil, nil); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte, serial uint32, asDelta bool) {
		m := new(dns.Msg)
		if m.Unpack(msg) != nil {
			return
		}
		soa := dns.Copy(cur.SOA()).(*dns.SOA)
		soa.Serial = serial
		cand, err := zonever.New("example.", append([]dns.RR{soa}, m.Answer...))
		if err != nil {
			t.Fatal(err)
		}
		p := Policy{Now: now}
		if asDelta {
			p.Deltas = []zonever.Delta{zonever.Diff(cur, cand)}
		}
		done := make(chan *Rejection, 1)
		go func() { done <- Check(cur, cand, p) }()
		var r *Rejection
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("gate still checking %d records after 10 s", cand.Len())
		}
		if r != nil {
			if r.Check == "" || r.Reason == "" {
				t.Fatalf("rejection without a check or reason: %+v", r)
			}
			return
		}
		if !zonever.SerialNewer(serial, 10) {
			t.Fatalf("accepted serial %d after 10", serial)
		}
		if _, err := zone.Build(cand.Origin, cand.RRs); err != nil {
			t.Fatalf("accepted a version the engine refuses: %v", err)
		}
		apexNS := false
		for _, rr := range cand.RRs {
			apexNS = apexNS || rr.Header().Rrtype == dns.TypeNS && dns.CanonicalName(rr.Header().Name) == "example."
		}
		if !apexNS {
			t.Fatal("accepted a version without an apex NS")
		}
	})
}
