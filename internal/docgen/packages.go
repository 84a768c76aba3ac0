package docgen

import (
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// packageDoc is one package directory and the first sentence of its doc
// comment (what it owns).
type packageDoc struct {
	Dir      string
	Synopsis string
}

// packageDocs reads the package clause and doc comment of every package in
// cmd, internal, bench and packaging under root, at every depth (like
// internal/web/tools/screenshot), sorted by directory.
func packageDocs(root string) ([]packageDoc, error) {
	var dirs []string
	for _, top := range []string{"cmd", "internal", "bench", "packaging"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(dir string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if d.Name() == "testdata" || d.Name() == "work" && filepath.Base(filepath.Dir(dir)) == "bench" ||
				strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") {
				return filepath.SkipDir // not packages, or generated (bench/work)
			}
			dirs = append(dirs, dir)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []packageDoc
	for _, dir := range dirs {
		text, isPackage, err := dirDoc(dir)
		if err != nil {
			return nil, err
		}
		if !isPackage {
			continue // testdata, static files
		}
		if text == "" {
			text = "(no package doc comment)."
		}
		rel, _ := filepath.Rel(root, dir)
		out = append(out, packageDoc{Dir: filepath.ToSlash(rel), Synopsis: new(doc.Package).Synopsis(text)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

// dirDoc is the package doc comment of the non-test Go files in dir, and
// whether there are any.
func dirDoc(dir string) (text string, isPackage bool, err error) {
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", false, err
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			if f.Doc != nil {
				return f.Doc.Text(), true, nil
			}
		}
	}
	return "", len(pkgs) > 0, nil
}
