package zone

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// randomRecord makes a record from a small space of names and types, so
// random deltas hit cuts, glue, wildcards, DNAMEs, empty non-terminals and
// additional-data targets often.
func randomRecord(r *rand.Rand) dns.RR {
	labels := []string{"a", "b", "c", "*", "ns"}
	name := "sv."
	for d := r.IntN(3) + 1; d > 0; d-- {
		name = labels[r.IntN(len(labels))] + "." + name
	}
	var text string
	switch r.IntN(9) {
	case 0, 1:
		text = fmt.Sprintf("%s 60 IN A 192.0.2.%d", name, r.IntN(4))
	case 2:
		text = fmt.Sprintf("%s 60 IN AAAA 2001:db8::%d", name, r.IntN(4))
	case 3, 4:
		text = fmt.Sprintf("%s 60 IN NS ns.%s", name, []string{"a.sv.", "b.a.sv.", "example."}[r.IntN(3)])
	case 5:
		text = fmt.Sprintf("%s %d IN TXT \"t%d\"", name, 60+r.IntN(2)*60, r.IntN(3))
	case 6:
		text = fmt.Sprintf("%s 60 IN MX 10 %s", name, []string{"ns.a.sv.", "c.sv.", "ns.sv."}[r.IntN(3)])
	case 7:
		text = fmt.Sprintf("%s 60 IN DNAME d%d.example.", name, r.IntN(2))
	default:
		text = fmt.Sprintf("%s 60 IN CNAME %s", name, []string{"a.sv.", "x.example."}[r.IntN(2)])
	}
	rr, err := dns.NewRR(text)
	if err != nil {
		panic(err)
	}
	return rr
}

func soaAt(serial uint32) dns.RR {
	rr, _ := dns.NewRR(fmt.Sprintf("sv. 3600 IN SOA ns.sv. h.sv. %d 7200 900 1209600 300", serial))
	return rr
}

// TestPatchInPlaceMatchesBuild: over many random deltas, the in-place patch
// gives the same zone as a full build of the result: records, names, flags,
// glue links and NSEC order. It must also be what Patch actually uses.
func TestPatchInPlaceMatchesBuild(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inPlace := 0
	for iter := 0; iter < 400; iter++ {
		base := []dns.RR{soaAt(1), mustRRs(t, "sv. 3600 IN NS ns.sv.")[0], mustRRs(t, "ns.sv. 60 IN A 192.0.2.53")[0]}
		for i := 0; i < 12; i++ {
			base = append(base, randomRecord(r))
		}
		old, err := Build("sv.", base)
		if err != nil {
			continue // a random zone may break a rule (CNAME and other data)
		}
		current := old.Records()
		var deleted, added []dns.RR
		for _, rr := range current[1:] {
			if r.IntN(4) == 0 && rr.Header().Name != "sv." {
				deleted = append(deleted, rr)
			}
		}
		for i := r.IntN(5); i > 0; i-- {
			added = append(added, randomRecord(r))
		}
		want, wantErr := Build("sv.", append(keep(current[1:], deleted), append(added, soaAt(2))...))
		got, gotErr := patchInPlace(old, append(deleted, current[0]), append(added, soaAt(2)))
		if gotErr == errRebuild {
			continue
		}
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("iteration %d: patch error %v, build error %v\ndelete %v\nadd %v", iter, gotErr, wantErr, deleted, added)
		}
		if gotErr != nil {
			continue
		}
		inPlace++
		if diff := structureDiff(got, want); diff != "" {
			t.Fatalf("iteration %d: %s\nold:\n%s\ndelete %v\nadd %v", iter, diff, recordText(old), deleted, added)
		}
		if recordText(old) != recordText(mustBuild(t, current)) {
			t.Fatalf("iteration %d: the old snapshot was modified", iter)
		}
		// A second, different patch from old (the first claimed old's tail)
		// must copy, and leave the first intact.
		added2 := []dns.RR{randomRecord(r), soaAt(3)}
		want2, err2 := Build("sv.", append(keep(current[1:], deleted), added2...))
		again, err := patchInPlace(old, append(deleted, current[0]), added2)
		if err2 == nil && err == nil {
			if diff := structureDiff(again, want2); diff != "" {
				t.Fatalf("iteration %d: second patch: %s", iter, diff)
			}
		}
		if diff := structureDiff(got, want); diff != "" {
			t.Fatalf("iteration %d: first patch disturbed by the second: %s", iter, diff)
		}
	}
	t.Logf("%d of 400 deltas patched in place", inPlace)
	if inPlace < 150 {
		t.Fatalf("only %d of 400 deltas were patched in place", inPlace)
	}
}

func mustBuild(t *testing.T, rrs []dns.RR) *Zone {
	z, err := Build("sv.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// keep returns rrs less those in drop (compared as text, ignoring TTL as
// IXFR does... here deletions come from rrs itself, so text is exact).
func keep(rrs, drop []dns.RR) []dns.RR {
	gone := map[string]bool{}
	for _, rr := range drop {
		gone[rr.String()] = true
	}
	var out []dns.RR
	for _, rr := range rrs {
		if !gone[rr.String()] {
			out = append(out, rr)
		}
	}
	return out
}

// structureDiff describes how two snapshots differ in what answers read.
func structureDiff(got, want *Zone) string {
	if g, w := recordText(got), recordText(want); g != w {
		return "records differ:\n" + g + "\n---\n" + w
	}
	if got.Len() != want.Len() || got.Serial() != want.Serial() {
		return fmt.Sprintf("len %d/%d serial %d/%d", got.Len(), want.Len(), got.Serial(), want.Serial())
	}
	if g, w := liveNames(got), liveNames(want); g != w {
		return "names differ:\n" + g + "\n---\n" + w
	}
	for id := range want.nodes {
		name := want.Name(NodeID(id))
		gid := got.Find(name)
		if f, wf := got.Flags(gid)&^Removed, want.Flags(NodeID(id)); f != wf {
			return fmt.Sprintf("%s: flags %b, want %b", presentation(name), f, wf)
		}
		for _, rs := range want.RRSets(NodeID(id)) {
			grs, ok := findSet(got, gid, rs.Type, rs.Covers)
			if !ok || grs.TTL != rs.TTL || grs.Count != rs.Count {
				return fmt.Sprintf("%s: set %d missing or different", presentation(name), rs.Type)
			}
			if g, w := extraNames(got, grs), extraNames(want, rs); g != w {
				return fmt.Sprintf("%s %s: glue %s, want %s", presentation(name), dns.TypeToString[rs.Type], g, w)
			}
			_, gs := got.Sigs(grs)
			_, ws := want.Sigs(rs)
			if gs != ws {
				return fmt.Sprintf("%s %s: signature link differs", presentation(name), dns.TypeToString[rs.Type])
			}
		}
	}
	if g, w := nsecNames(got), nsecNames(want); g != w {
		return "NSEC order differs: " + g + " / " + w
	}
	if g, w := nsec3Names(got), nsec3Names(want); g != w {
		return "NSEC3 chain differs: " + g + " / " + w
	}
	return ""
}

func nsec3Names(z *Zone) string {
	if z.nsec3 == nil {
		return ""
	}
	var out []string
	for _, id := range z.nsec3.ids {
		out = append(out, presentation(z.Name(id)))
	}
	a, m := z.nsec3.apexID, z.nsec3.apexMatch
	return strings.Join(out, " ") + fmt.Sprintf(" apex=%s/%v", presentation(z.Name(a)), m)
}

func liveNames(z *Zone) string {
	var out []string
	for id := range z.nodes {
		if z.Flags(NodeID(id))&Removed == 0 {
			out = append(out, presentation(z.Name(NodeID(id))))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func findSet(z *Zone, id NodeID, t, covers uint16) (RRSet, bool) {
	for _, rs := range z.RRSets(id) {
		if rs.Type == t && rs.Covers == covers {
			return rs, true
		}
	}
	return RRSet{}, false
}

func extraNames(z *Zone, rs RRSet) string {
	var out []string
	for _, id := range z.Extra(rs) {
		out = append(out, presentation(z.Name(id)))
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func nsecNames(z *Zone) string {
	var out []string
	for _, id := range z.nsec {
		out = append(out, presentation(z.Name(id)))
	}
	return strings.Join(out, " ")
}

// TestPatchCutHidesBelow: a delegation added above existing names hides
// them (and removing it shows them again), as a build would.
func TestPatchCutHidesBelow(t *testing.T) {
	base := mustRRs(t, "sv. 3600 IN SOA ns.sv. h.sv. 1 7200 900 1209600 300", "sv. 3600 IN NS ns.sv.",
		"ns.sv. 60 IN A 192.0.2.1", "b.a.sv. 60 IN A 192.0.2.2", "c.b.a.sv. 60 IN TXT \"x\"")
	old := mustBuild(t, base)
	cut := mustRRs(t, "a.sv. 60 IN NS ns.b.a.sv.")
	got, err := patchInPlace(old, []dns.RR{base[0]}, append(cut, soaAt(2)))
	if err != nil {
		t.Fatal(err)
	}
	want := mustBuild(t, append(append(slices.Clone(base[1:]), cut...), soaAt(2)))
	if d := structureDiff(got, want); d != "" {
		t.Fatal(d)
	}
	back, err := patchInPlace(got, append(cut, soaAt(2)), []dns.RR{soaAt(3)})
	if err != nil {
		t.Fatal(err)
	}
	if d := structureDiff(back, mustBuild(t, append(slices.Clone(base[1:]), soaAt(3)))); d != "" {
		t.Fatal(d)
	}
}

// TestPatchSignedZones: deltas to pre-signed zones (NSEC and NSEC3 opt-out)
// keep the NSEC order and the NSEC3 chain as a build makes them: names and
// their proofs removed, then put back.
func TestPatchSignedZones(t *testing.T) {
	for _, f := range []struct{ origin, file string }{
		{"gt.", "../conformance/testdata/zones/gt.signed.zone"},
		{"hn.", "../conformance/testdata/zones/hn.signed.zone"},
	} {
		old, err := Load(f.origin, f.file)
		if err != nil {
			t.Fatal(err)
		}
		rrs := old.Records()
		r := rand.New(rand.NewPCG(3, 4))
		for iter := 0; iter < 30; iter++ {
			// Take out every record of a few random names (NSEC/NSEC3 owners
			// among them), as a delta removing them would.
			victims := map[string]bool{}
			for i := 0; i < 3; i++ {
				victims[rrs[1+r.IntN(len(rrs)-1)].Header().Name] = true
			}
			delete(victims, f.origin)
			var deleted []dns.RR
			for _, rr := range rrs[1:] {
				if victims[rr.Header().Name] {
					deleted = append(deleted, rr)
				}
			}
			soa := *old.SOA()
			soa.Serial++
			got, err := patchInPlace(old, append(deleted, old.SOA()), []dns.RR{&soa})
			if err == errRebuild {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			want := mustBuildOrigin(t, f.origin, append(keep(rrs[1:], deleted), &soa))
			if d := structureDiff(got, want); d != "" {
				t.Fatalf("%s iteration %d, removing %v: %s", f.origin, iter, victims, d)
			}
			soa2 := soa
			soa2.Serial++
			back, err := patchInPlace(got, []dns.RR{&soa}, append(slices.Clone(deleted), &soa2))
			if err != nil {
				t.Fatal(err)
			}
			if d := structureDiff(back, mustBuildOrigin(t, f.origin, append(slices.Clone(rrs[1:]), &soa2))); d != "" {
				t.Fatalf("%s iteration %d, putting back %v: %s", f.origin, iter, victims, d)
			}
		}
	}
}

func mustBuildOrigin(t *testing.T, origin string, rrs []dns.RR) *Zone {
	z, err := Build(origin, rrs)
	if err != nil {
		t.Fatal(err)
	}
	return z
}
