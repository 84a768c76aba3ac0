package zone

import (
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func mustRRs(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rr)
	}
	return out
}

func recordText(z *Zone) string {
	var lines []string
	for _, rr := range z.Records() {
		lines = append(lines, rr.String())
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestPatchEqualsBuild: applying a delta gives exactly the zone a full build
// of the new version gives, flags and all, across the cases a delta can
// change: a new delegation with glue, a removed name (its empty
// non-terminal must go too), a new wildcard, a cut turned into data.
func TestPatchEqualsBuild(t *testing.T) {
	old, err := Load("sv.", "testdata/ok.zone")
	if err != nil {
		t.Fatal(err)
	}
	deleted := mustRRs(t,
		"sv. 3600 IN SOA ns.sv. h.sv. 2026010101 7200 900 1209600 300",
		"www.sv. 3600 IN A 192.0.2.80",
		"sub.sv. 3600 IN NS ns.sub.sv.",
	)
	added := mustRRs(t,
		"sv. 3600 IN SOA ns.sv. h.sv. 2026010102 7200 900 1209600 300",
		"new.sv. 60 IN NS ns1.new.sv.",
		"ns1.new.sv. 60 IN A 192.0.2.44",
		"*.w.sv. 60 IN TXT \"hi\"",
		"a.b.c.sv. 60 IN A 192.0.2.45",
	)
	patched, err := Patch(old, deleted, added)
	if err != nil {
		t.Fatal(err)
	}
	var want []dns.RR
	drop := map[string]bool{}
	for _, rr := range deleted {
		drop[rr.String()] = true
	}
	for _, rr := range old.Records() {
		if !drop[rr.String()] {
			want = append(want, rr)
		}
	}
	built, err := Build("sv.", append(want, added...))
	if err != nil {
		t.Fatal(err)
	}
	if patched.Serial() != 2026010102 || recordText(patched) != recordText(built) {
		t.Fatalf("patched:\n%s\nbuilt:\n%s", recordText(patched), recordText(built))
	}
	for _, name := range []string{"www.sv.", "sub.sv.", "ns.sub.sv.", "new.sv.", "w.sv.", "b.c.sv.", "host1.sv."} {
		w, _ := wireName(name)
		p, b := patched.Find(w), built.Find(w)
		if (p == NoNode) != (b == NoNode) || (p != NoNode && patched.Flags(p) != built.Flags(b)) {
			t.Errorf("%s: patched node %d flags %v, built node %d flags %v", name, p, flagsOf(patched, p), b, flagsOf(built, b))
		}
	}
	if recordText(old) == recordText(patched) {
		t.Fatal("old snapshot changed or patch did nothing")
	}
}

func flagsOf(z *Zone, id NodeID) Flags {
	if id == NoNode {
		return 0
	}
	return z.Flags(id)
}

// TestPatchRejectsForeignDelta: a delta that deletes what is not there does
// not apply; the caller falls back to a full transfer.
func TestPatchRejectsForeignDelta(t *testing.T) {
	old, err := Load("sv.", "testdata/ok.zone")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Patch(old, mustRRs(t, "nothere.sv. 3600 IN A 192.0.2.1"),
		mustRRs(t, "sv. 3600 IN SOA ns.sv. h.sv. 2026010102 7200 900 1209600 300"))
	if err == nil || !strings.Contains(err.Error(), "not in serial 2026010101") {
		t.Fatalf("want a not-in-serial error, got %v", err)
	}
}

// TestPatchesFromOneSnapshot: the first patch made from a snapshot appends
// to its arrays in place; a second patch from the same snapshot, and a
// patch of the first, must neither see nor disturb each other's records.
func TestPatchesFromOneSnapshot(t *testing.T) {
	loaded, err := Load("sv.", "testdata/ok.zone")
	if err != nil {
		t.Fatal(err)
	}
	soa := func(serial string) string { return "sv. 3600 IN SOA ns.sv. h.sv. " + serial + " 7200 900 1209600 300" }
	// A patched snapshot, whose arrays have room past their end.
	old, err := Patch(loaded, mustRRs(t, soa("2026010101")), mustRRs(t, soa("2026010101"), "m.sv. 60 IN TXT \"mid\""))
	if err != nil {
		t.Fatal(err)
	}
	before := recordText(old)
	oldSOA := mustRRs(t, soa("2026010101"))
	tests := []struct {
		name  string
		base  func() *Zone
		added []string
	}{
		{"first from old", func() *Zone { return old }, []string{soa("2026010102"), "a1.sv. 60 IN NS ns.a1.sv.", "ns.a1.sv. 60 IN A 192.0.2.1"}},
		{"second from old", func() *Zone { return old }, []string{soa("2026010102"), "b2.sv. 60 IN NS ns.b2.sv.", "ns.b2.sv. 60 IN AAAA 2001:db8::2"}},
	}
	var patched []*Zone
	for _, tc := range tests {
		z, err := Patch(tc.base(), oldSOA, mustRRs(t, tc.added...))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		patched = append(patched, z)
	}
	// Patch the first again: it appends where the second's copy would be
	// had it shared old's arrays.
	third, err := Patch(patched[0], mustRRs(t, soa("2026010102")), mustRRs(t, soa("2026010103"), "c3.sv. 60 IN TXT \"third\""))
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		want, err := Build("sv.", append(withoutSOA(old.Records()), mustRRs(t, tc.added...)...))
		if err != nil {
			t.Fatal(err)
		}
		if recordText(patched[i]) != recordText(want) {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.name, recordText(patched[i]), recordText(want))
		}
	}
	want, err := Build("sv.", append(withoutSOA(old.Records()), mustRRs(t, append(tests[0].added[1:], soa("2026010103"), "c3.sv. 60 IN TXT \"third\"")...)...))
	if err != nil {
		t.Fatal(err)
	}
	if recordText(third) != recordText(want) {
		t.Errorf("third:\n%s\nwant:\n%s", recordText(third), recordText(want))
	}
	if recordText(old) != before {
		t.Error("the old snapshot changed")
	}
}

func withoutSOA(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeSOA {
			out = append(out, rr)
		}
	}
	return out
}
