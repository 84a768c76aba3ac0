package anycloud_test

import (
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocs: every package of the module, at every depth (internal/
// and what is nested in it, like internal/lab/cloud and
// internal/web/browser, cmd/, bench, packaging), says in a doc comment what
// it owns, so the layout explains the architecture: "Package NAME ..." or,
// for a command, "Command DIR ...", in exactly one file (Go joins several
// doc comments into one, in file order, which nobody reads as written).
func TestPackageDocs(t *testing.T) {
	checked := map[string]bool{}
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		switch {
		case dir != "." && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")),
			d.Name() == "testdata", d.Name() == "vendor", dir == filepath.Join("bench", "work"),
			dir == "dist", dir == "bin":
			return filepath.SkipDir // not packages of the module, or generated
		}
		pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			return err
		}
		for name, pkg := range pkgs {
			checked[filepath.ToSlash(dir)] = true
			want := "Package " + name + " "
			if name == "main" {
				want = "Command " + filepath.Base(dir) + " "
			}
			var documented []string
			for file, f := range pkg.Files {
				if f.Doc != nil {
					documented = append(documented, filepath.Base(file))
					if !strings.HasPrefix(f.Doc.Text(), want) {
						t.Errorf("%s: doc comment of package %s does not start %q: %.60q", file, name, want, f.Doc.Text())
					}
					// The first sentence is the package's line in go doc and
					// in docs/architecture.md: a whole sentence.
					if s := new(doc.Package).Synopsis(f.Doc.Text()); !strings.HasSuffix(s, ".") {
						t.Errorf("%s: the first sentence of package %s's doc does not end in a full stop: %q", file, name, s)
					}
				}
			}
			switch {
			case len(documented) == 0:
				t.Errorf("%s: package %s has no doc comment starting %q", dir, name, want)
			case len(documented) > 1:
				t.Errorf("%s: package %s has a doc comment in %d files (%s): keep one", dir, name, len(documented), strings.Join(documented, ", "))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk itself reaches nested packages, not only internal/*.
	for _, dir := range []string{".", "cmd/anycloud", "internal/zone", "internal/lab/cloud", "internal/web/browser", "internal/web/tools/screenshot"} {
		if !checked[dir] {
			t.Errorf("%s: not checked; the walk is meant to reach every package", dir)
		}
	}
}
