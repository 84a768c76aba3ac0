package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKeptSections: the hand-written part of a report, from the marker on,
// survives a rewrite; a report without the marker keeps nothing.
func TestKeptSections(t *testing.T) {
	tests := []struct {
		name, old, want string
	}{
		{"marker", "# generated\n| a |\n" + keptMarker + " x -->\n\n## Distribution\nfigures\n", "\n" + keptMarker + " x -->\n\n## Distribution\nfigures\n"},
		{"no marker", "# generated\n## Distribution\n", ""},
	}
	for _, tc := range tests {
		path := filepath.Join(t.TempDir(), "bench.md")
		if err := os.WriteFile(path, []byte(tc.old), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := string(keptSections(path)); got != tc.want {
			t.Errorf("%s: kept %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := keptSections(filepath.Join(t.TempDir(), "missing.md")); got != nil {
		t.Errorf("missing report: kept %q", got)
	}
}
