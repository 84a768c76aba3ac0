package docgen

import (
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
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

// packageDocs reads the package clause and doc comment of cmd/*, internal/*,
// bench and packaging under root, sorted by directory.
func packageDocs(root string) ([]packageDoc, error) {
	var dirs []string
	for _, pattern := range []string{"cmd/*", "internal/*", "internal/*/*", "bench", "packaging"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, m...)
	}
	var out []packageDoc
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
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
