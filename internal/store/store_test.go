package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

func version(t *testing.T, serial, extra string) *zonever.Version {
	t.Helper()
	text := "example. 60 SOA ns admin " + serial + " 1 1 1 1\nexample. 60 NS ns\nns 60 A 192.0.2.1\n" + extra
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	v, err := zonever.New("example.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSaveLoad(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := s.Load("example."); v != nil || err != nil {
		t.Fatalf("empty store: %v %v", v, err)
	}
	v1, v2 := version(t, "1", ""), version(t, "2", "a 60 TXT \"x y\"\n")
	j := (*zonever.Journal)(nil).Append(zonever.Diff(v1, v2), 10, 100)
	if err := s.Save(v2, j); err != nil {
		t.Fatal(err)
	}
	got, gotJ, err := s.Load("EXAMPLE")
	if err != nil || got.Serial() != 2 || got.Len() != 4 {
		t.Fatalf("load: %v %v", got, err)
	}
	if ds, ok := gotJ.Since(1); !ok || len(ds) != 1 || len(ds[0].Added) != 1 {
		t.Fatalf("journal: %+v %v", ds, ok)
	}
}

// A journal that does not end at the stored version (a crash between the
// two renames) is dropped rather than served.
func TestStaleJournalDropped(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	v1, v2, v3 := version(t, "1", ""), version(t, "2", "a 60 A 192.0.2.2\n"), version(t, "3", "")
	s.Save(v2, (*zonever.Journal)(nil).Append(zonever.Diff(v1, v2), 10, 100))
	// Simulate the crash: the zone file of v3 landed, its journal did not.
	journal, _ := os.ReadFile(filepath.Join(dir, "example.journal"))
	s.Save(v3, nil)
	os.WriteFile(filepath.Join(dir, "example.journal"), journal, 0o600)
	if _, j, err := s.Load("example."); err != nil || len(j.Deltas()) != 0 {
		t.Fatalf("stale journal kept: %v %v", j.Deltas(), err)
	}
}

func TestFileBase(t *testing.T) {
	tests := map[string]string{".": "root", "SV.": "sv", "com.sv.": "com.sv", "../etc.": "%2e.%2fetc", `a\/b.`: "a%5c%2fb", "100%.": "100%25"}
	for in, want := range tests {
		if got := fileBase(in); got != want {
			t.Errorf("fileBase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	s.Save(version(t, "1", ""), nil)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

// A save that the journal covers rewrites only the journal; loading replays
// it onto the older zone file.
func TestJournalOnlySave(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	v1, v2 := version(t, "1", ""), version(t, "2", "a 60 A 192.0.2.2\n")
	if err := s.Save(v1, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(v2, (*zonever.Journal)(nil).Append(zonever.Diff(v1, v2), 10, 100)); err != nil {
		t.Fatal(err)
	}
	onDisk, _ := os.ReadFile(filepath.Join(dir, "example.zone"))
	if !strings.Contains(string(onDisk), "serial 1,") {
		t.Fatalf("zone file rewritten although the journal covers the change:\n%s", onDisk)
	}
	reopened, _ := Open(dir)
	got, j, err := reopened.Load("example.")
	if err != nil || got.Serial() != 2 || got.Len() != 4 || len(j.Deltas()) != 1 {
		t.Fatalf("load after a journal-only save: %v %v %v", got, j, err)
	}
}

// TestSaveHeld: a version held by its snapshot alone (as nodes keep them)
// is written record by record from the snapshot and loads back whole.
func TestSaveHeld(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := version(t, "7", "a 60 TXT \"x y\"\nd 60 NS ns.d\nns.d 60 A 192.0.2.9\n")
	if _, err := v.Snapshot(nil, nil); err != nil {
		t.Fatal(err)
	}
	held := v.Held()
	if !held.IsHeld() {
		t.Fatal("not held")
	}
	if err := s.Save(held, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Load("example.")
	if err != nil || got == nil {
		t.Fatalf("load: %v %v", got, err)
	}
	if got.Serial() != 7 || got.Len() != v.Len() {
		t.Fatalf("loaded serial %d with %d records, want 7 with %d", got.Serial(), got.Len(), v.Len())
	}
	want := map[string]bool{}
	for _, rr := range v.RRs {
		want[rr.String()] = true
	}
	for _, rr := range got.RRs {
		if !want[rr.String()] {
			t.Errorf("loaded %s, not in the saved version", rr)
		}
	}
}

// TestSaveLargeInOrder: a version large enough to be formatted in parallel
// is written whole and in order.
func TestSaveLargeInOrder(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var extra strings.Builder
	n := 4*formatChunk + 123
	for i := range n {
		fmt.Fprintf(&extra, "h%d 60 A 192.0.2.%d\n", i, i%250+1)
	}
	v := version(t, "3", extra.String())
	if err := s.Save(v, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Load("example.")
	if err != nil || got == nil {
		t.Fatalf("load: %v %v", got, err)
	}
	if got.Len() != v.Len() {
		t.Fatalf("loaded %d records, saved %d", got.Len(), v.Len())
	}
	if !got.IsHeld() {
		t.Fatal("a stored version loads as its serving snapshot")
	}
	// The file keeps the records in the order they were saved, though they
	// were formatted in parallel chunks.
	inFile, err := readRRs(s.path("example.", zoneSuffix), "example.")
	if err != nil {
		t.Fatal(err)
	}
	for i := range v.RRs {
		if inFile[i].String() != v.RRs[i].String() {
			t.Fatalf("record %d: stored %s, saved %s", i, inFile[i], v.RRs[i])
		}
	}
}
