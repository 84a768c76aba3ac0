package docgen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
)

// sourceIndex holds the doc comments of the struct types and fields of the
// packages it has read, keyed by import path.
type sourceIndex struct {
	root    string // repository root; import path "anycloud/x" is root/x
	module  string
	typeDoc map[string]string // "pkgpath.Type" -> doc
	field   map[string]string // "pkgpath.Type.Field" -> doc or line comment
	pkgDoc  map[string]string // pkgpath -> package doc comment
	read    map[string]bool
}

func newSourceIndex(root, module string) *sourceIndex {
	return &sourceIndex{root: root, module: module, typeDoc: map[string]string{},
		field: map[string]string{}, pkgDoc: map[string]string{}, read: map[string]bool{}}
}

// load parses the non-test Go files of the package at import path pkg once.
func (s *sourceIndex) load(pkg string) error {
	if s.read[pkg] {
		return nil
	}
	s.read[pkg] = true
	dir := filepath.Join(s.root, strings.TrimPrefix(strings.TrimPrefix(pkg, s.module), "/"))
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		return err
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			s.indexFile(pkg, f)
		}
	}
	return nil
}

func (s *sourceIndex) indexFile(pkg string, f *ast.File) {
	if f.Doc != nil {
		s.pkgDoc[pkg] = f.Doc.Text()
	}
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, spec := range gen.Specs {
			s.indexType(pkg, gen, spec.(*ast.TypeSpec))
		}
	}
}

func (s *sourceIndex) indexType(pkg string, gen *ast.GenDecl, ts *ast.TypeSpec) {
	key := pkg + "." + ts.Name.Name
	if doc := firstText(ts.Doc, gen.Doc); doc != "" {
		s.typeDoc[key] = doc
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return
	}
	for _, fld := range st.Fields.List {
		doc := firstText(fld.Doc, fld.Comment)
		for _, name := range fld.Names {
			if doc != "" {
				s.field[key+"."+name.Name] = doc
			}
		}
	}
}

// firstText is the text of the first non-empty comment group, on one line.
func firstText(groups ...*ast.CommentGroup) string {
	for _, g := range groups {
		if t := strings.Join(strings.Fields(g.Text()), " "); t != "" {
			return t
		}
	}
	return ""
}
