package httpserve

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlowlorisCut: a client that sends its request headers one byte a
// second is disconnected once ReadHeaderTimeout has passed, not served
// forever. Without the limit the connection stays open past the test's
// bound and the test fails.
func TestSlowlorisCut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), 0)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	headers := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 60)
	limit := ReadHeaderTimeout + 3*time.Second
	cut := trickleUntilCut(c, func(i int) (byte, bool) {
		if i >= len(headers) {
			return 0, false
		}
		return headers[i], true
	}, start, limit)
	took := time.Since(start)
	t.Logf("slowloris client cut after %v (ReadHeaderTimeout %v)", took.Round(100*time.Millisecond), ReadHeaderTimeout)
	if !cut || took > limit {
		t.Fatalf("a client sending a header byte a second was still connected after %v", took)
	}
	if took < ReadHeaderTimeout-time.Second {
		t.Errorf("cut after %v, before ReadHeaderTimeout %v: something else closed it", took, ReadHeaderTimeout)
	}
}

// TestSlowBodyCut: a client that sends its headers at once and then its
// body a byte a second (what ReadHeaderTimeout alone lets through) is cut
// once ReadTimeout has passed since the request began.
func TestSlowBodyCut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}), 0)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	limit := ReadTimeout + 3*time.Second
	cut := trickleUntilCut(c, func(int) (byte, bool) { return 'a', true }, start, limit)
	took := time.Since(start)
	t.Logf("slow-body client cut after %v (ReadTimeout %v)", took.Round(100*time.Millisecond), ReadTimeout)
	if !cut || took > limit {
		t.Fatalf("a client sending its body a byte a second was still connected after %v", took)
	}
}

// trickleUntilCut sends c the bytes next gives, one a second (each
// write is followed by a one-second read), until the server cuts the
// connection (true), next has no more, or limit has passed since start.
func trickleUntilCut(c net.Conn, next func(i int) (byte, bool), start time.Time, limit time.Duration) bool {
	for i := 0; time.Since(start) < limit; i++ {
		b, more := next(i)
		if !more {
			return false
		}
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte{b}); err != nil {
			return true
		}
		// A cut connection shows as EOF (or an error answer) on read.
		c.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 512)
		if n, err := c.Read(buf); n > 0 || (err != nil && !isTimeout(err)) {
			return true
		}
	}
	return false
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestLimitsSet: every limit is set on the server New returns.
func TestLimitsSet(t *testing.T) {
	s := New(http.NotFoundHandler(), 0)
	for _, c := range []struct {
		name string
		v    time.Duration
	}{{"ReadHeaderTimeout", s.ReadHeaderTimeout}, {"ReadTimeout", s.ReadTimeout}, {"WriteTimeout", s.WriteTimeout}, {"IdleTimeout", s.IdleTimeout}} {
		if c.v <= 0 {
			t.Errorf("%s not set", c.name)
		}
	}
	if s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 64<<10 {
		t.Errorf("MaxHeaderBytes %d", s.MaxHeaderBytes)
	}
}

// TestEveryServerUsesNew: no code outside this package (tests aside)
// builds an http.Server itself or calls http.ListenAndServe/http.Serve,
// which have no limits: every server goes through New.
func TestEveryServerUsesNew(t *testing.T) {
	root := filepath.Join("..", "..")
	var bad []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, filepath.Join("internal", "httpserve")) {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := x.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Server" && isIdent(sel.X, "http") {
					bad = append(bad, path+": http.Server{...}")
				}
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "http") &&
					(sel.Sel.Name == "ListenAndServe" || sel.Sel.Name == "Serve" || sel.Sel.Name == "ListenAndServeTLS") {
					bad = append(bad, path+": http."+sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	for _, b := range bad {
		t.Errorf("%s: use httpserve.New so the server has timeouts", b)
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
