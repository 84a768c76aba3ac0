package zone

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadErrorsGolden: every file under testdata/errors is refused with
// the error in testdata/errors/errors.golden (file:line:column for syntax),
// and that error is exactly the one miekg's parser alone gives (the old
// load path), so the fast reader changed neither what is refused nor where.
// UPDATE_GOLDEN=1 rewrites the golden file.
func TestLoadErrorsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.zone")
	if err != nil || len(files) < 15 {
		t.Fatalf("%d error zones: %v", len(files), err)
	}
	var got strings.Builder
	for _, f := range files {
		_, err := Load("sv.", f)
		if err == nil {
			t.Errorf("%s: loaded, want an error", f)
			continue
		}
		old, oerr := os.Open(f)
		if oerr != nil {
			t.Fatal(oerr)
		}
		_, merr := parse(old, "sv.", f, 16)
		old.Close()
		if merr == nil || merr.Error() != err.Error() {
			t.Errorf("%s:\nLoad:  %v\nmiekg: %v", f, err, merr)
		}
		got.WriteString(err.Error() + "\n")
	}
	golden := "testdata/errors/errors.golden"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("errors differ from %s:\n%s", golden, got.String())
	}
}
