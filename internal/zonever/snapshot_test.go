package zonever

import (
	"sort"
	"strings"
	"testing"
)

// TestSnapshotPatchedFromPrevious: a version reached by deltas gets its
// snapshot patched from the previous one, with the same records a full
// build gives; without the previous snapshot it is built whole.
func TestSnapshotPatchedFromPrevious(t *testing.T) {
	old := parse(t, zoneText("1", "a 60 A 192.0.2.2\nb 60 TXT \"x\"\n"))
	nw := parse(t, zoneText("2", "a 120 A 192.0.2.2\nc.d 60 A 192.0.2.3\n"))
	d := Diff(old, nw)
	if _, err := nw.Snapshot(old, []Delta{d}); err != nil {
		t.Fatal(err)
	}
	if nw.snap.z == nil {
		t.Fatal("no snapshot")
	}
	// old had no snapshot, so that one was built whole; now patch.
	if _, err := old.Snapshot(nil, nil); err != nil {
		t.Fatal(err)
	}
	again := parse(t, zoneText("2", "a 120 A 192.0.2.2\nc.d 60 A 192.0.2.3\n"))
	z, ok := patchFrom(old, []Delta{d}, 2)
	if !ok {
		t.Fatal("patch did not apply")
	}
	built, err := again.Snapshot(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if texts(z.Records()) != texts(built.Records()) {
		t.Fatalf("patched:\n%s\nbuilt:\n%s", texts(z.Records()), texts(built.Records()))
	}
	if _, ok := patchFrom(old, []Delta{{From: nw.SOA(), To: nw.SOA()}}, 2); ok {
		t.Error("a delta from another serial must not apply")
	}
}

func texts[T interface{ String() string }](rrs []T) string {
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
