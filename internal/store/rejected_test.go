package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRejectedCopiesBounded: the rejected copies of a zone never go over
// the count or the bytes allowed, the oldest go first, the newest is kept,
// a copy larger than the bytes allowed alone is not kept, and another
// zone's copies (whose file names start the same) are never touched.
func TestRejectedCopiesBounded(t *testing.T) {
	big := strings.Repeat("x", 1000)
	cases := []struct {
		name      string
		lim       RejectedLimits
		saves     int
		txt       string
		wantFiles int
		tooLarge  bool
	}{
		{"no limits", RejectedLimits{}, 6, "", 6, false},
		{"by count", RejectedLimits{MaxCopies: 3}, 6, "", 3, false},
		{"by bytes", RejectedLimits{MaxCopies: 100, MaxBytes: 2500}, 6, `t TXT "` + big[:255] + `"` + "\n", 0, false},
		{"one copy too large", RejectedLimits{MaxCopies: 100, MaxBytes: 100}, 1, "", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			others := []string{"example.com.5.zone", "example.5.7.zone", "sub.example.5.zone"}
			for _, o := range others {
				os.WriteFile(filepath.Join(s.dir, rejectedDir, o), []byte(big), 0o600)
			}
			var last string
			for i := 1; i <= c.saves; i++ {
				path, _, err := s.SaveRejected(version(t, fmt.Sprint(i), c.txt), "apex: test", c.lim)
				if c.tooLarge {
					if !errors.Is(err, ErrRejectedTooLarge) || path != "" {
						t.Fatalf("a copy over the bytes allowed: %q %v, want ErrRejectedTooLarge", path, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				last = path
			}
			files, err := s.rejectedFiles("example.")
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, f := range files {
				total += f.size
			}
			if c.wantFiles > 0 && len(files) != c.wantFiles {
				t.Errorf("%d copies kept, want %d", len(files), c.wantFiles)
			}
			if (c.lim.MaxCopies > 0 && len(files) > c.lim.MaxCopies) || (c.lim.MaxBytes > 0 && total > c.lim.MaxBytes) {
				t.Errorf("%d copies, %d bytes kept: over %+v", len(files), total, c.lim)
			}
			if last != "" && (len(files) == 0 || files[len(files)-1].path != last) {
				t.Errorf("the newest copy %s is not kept: %+v", last, files)
			}
			if c.name == "by bytes" && len(files) < 2 {
				t.Errorf("only %d copies of about 1 kB kept under 2500 bytes", len(files))
			}
			for _, o := range others {
				if _, err := os.Stat(filepath.Join(s.dir, rejectedDir, o)); err != nil {
					t.Errorf("another zone's copy %s was touched: %v", o, err)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(s.dir, rejectedDir, ".*")); len(left) > 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
}
