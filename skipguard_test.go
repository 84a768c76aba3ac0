package anycloud_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestSkipsGoThroughTestenv: no Go file outside internal/testenv calls
// Skip, Skipf or SkipNow of testing directly. Every skip goes through
// internal/testenv, so ANYCLOUD_REQUIRE_ALL=1 can turn a skip for a missing
// package, root or network into a failure, and the deliberate skips are
// marked as such (SkipByChoice, Interop, Internet, SkipInput).
func TestSkipsGoThroughTestenv(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch {
			case path == filepath.Join("internal", "testenv"),
				path != "." && strings.HasPrefix(d.Name(), "."),
				d.Name() == "testdata", d.Name() == "vendor", path == filepath.Join("bench", "work"),
				path == "dist", path == "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "testenv" {
				return true // testenv.Skip and testenv.Skipf are the way
			}
			switch sel.Sel.Name {
			case "Skip", "Skipf", "SkipNow":
				t.Errorf("%s: calls %s directly; use internal/testenv (Skip for a missing prerequisite, "+
					"SkipByChoice for an opt-in test, Interop, Internet, SkipInput)", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d Go files: the walk missed the repository", checked)
	}
}
