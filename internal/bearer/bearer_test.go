package bearer

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

var good = strings.Repeat("ab", 32)

// TestReadFile: a token file is used only when nobody but its owner may
// read or write it, its owner is trusted, and it holds one bounded word.
// Every refusal says why.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		text  string
		mode  os.FileMode
		owner int // -1: leave as created
		want  string
	}{
		{"good", good + "\n", 0o600, -1, ""},
		{"read-only for owner", good, 0o400, -1, ""},
		{"world-readable", good, 0o644, -1, "mode 0644"},
		{"group-readable", good, 0o640, -1, "mode 0640"},
		{"world-writable", good, 0o602, -1, "mode 0602"},
		{"another user's", good, 0o600, 65534, "not to root, to you or to the anycloud service user"},
		{"too short", "abc", 0o600, -1, "does not hold a token"},
		{"two words", good + " " + good, 0o600, -1, "does not hold a token"},
		{"too big", strings.Repeat("a", maxFile+10), 0o600, -1, "does not hold a token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(p, []byte(tc.text), tc.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, tc.mode)
			if tc.owner >= 0 {
				if err := os.Chown(p, tc.owner, tc.owner); err != nil {
					testenv.Skipf(t, "chown: %v (needs root)", err)
				}
			}
			tok, err := ReadFile(p)
			switch {
			case tc.want == "" && (err != nil || tok != strings.TrimSpace(tc.text)):
				t.Errorf("got %q, %v", tok, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %q, %v; want an error saying %q", tok, err, tc.want)
			}
		})
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory as token file: %v", err)
	}
}

// TestEnsure: the first call creates a 0600 token, later calls read it.
func TestEnsure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "control.token")
	a, err := Ensure(p)
	if err != nil || len(a) != 64 {
		t.Fatalf("%q, %v", a, err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if b, err := Ensure(p); err != nil || b != a {
		t.Errorf("second call: %q, %v (first %q)", b, err, a)
	}
	os.Chmod(p, 0o644)
	if _, err := Ensure(p); err == nil {
		t.Error("Ensure used a world-readable token")
	}
}

// TestRequire: cross-site browser requests are refused whatever they
// carry; others need the exact token.
func TestRequire(t *testing.T) {
	h := Require(func() string { return good }, "need the token", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	for _, tc := range []struct {
		name   string
		header map[string]string
		code   int
	}{
		{"token", map[string]string{"Authorization": "Bearer " + good}, 200},
		{"no token", nil, 401},
		{"wrong token", map[string]string{"Authorization": "Bearer " + good[1:] + "x"}, 401},
		{"prefix of the token", map[string]string{"Authorization": "Bearer " + good[:10]}, 401},
		{"token without Bearer", map[string]string{"Authorization": good}, 401},
		{"same-origin page", map[string]string{"Authorization": "Bearer " + good, "Origin": "http://127.0.0.1:8953", "Sec-Fetch-Site": "same-origin"}, 200},
		{"other origin", map[string]string{"Authorization": "Bearer " + good, "Origin": "http://evil.example"}, 403},
		{"other port", map[string]string{"Authorization": "Bearer " + good, "Origin": "http://127.0.0.1:8080"}, 403},
		{"null origin", map[string]string{"Authorization": "Bearer " + good, "Origin": "null"}, 403},
		{"cross-site fetch metadata", map[string]string{"Authorization": "Bearer " + good, "Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site other port", map[string]string{"Authorization": "Bearer " + good, "Sec-Fetch-Site": "same-site"}, 403},
	} {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8953/drain", nil)
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.code)
		}
	}
}

// TestParseProcAddr: /proc/net/tcp{,6} addresses (32-bit words in host
// order, port in hex).
func TestParseProcAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0100007F:22F9", "127.0.0.1:8953"},
		{"00000000:0035", "0.0.0.0:53"},
		{"00000000000000000000000001000000:22FA", "[::1]:8954"},
		{"0000000000000000FFFF00000100007F:0050", "[::ffff:127.0.0.1]:80"},
	} {
		got, ok := parseProcAddr(tc.in)
		if !ok || got.String() != tc.want {
			t.Errorf("%s: %v %v, want %s", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "0100007F", "01:22F9", "zz00007F:22F9", "0100007F:1FFFF"} {
		if _, ok := parseProcAddr(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestCheckListenerOwnSocket: a listener of this process's user passes for
// a token this user owns (the other case, another user's listener, is
// TestCLIRefusesPortOfAnotherUser in cmd/anycloud).
func TestCheckListenerOwnSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	uids, err := listenerUIDs("/proc/net/tcp", netip.MustParseAddrPort(ln.Addr().String()))
	if err != nil || len(uids) != 1 || uids[0] != uint32(os.Geteuid()) {
		t.Fatalf("listener owners %v, %v; want [%d]", uids, err, os.Geteuid())
	}
	if err := CheckListener(ln.Addr().String(), uint32(os.Geteuid())); err != nil {
		t.Error(err)
	}
}

// FuzzCrossSite: any Origin and Sec-Fetch-Site a browser (or anyone) may
// send: no panic, and a request is same-site only when it names no other
// origin: no Origin, or one whose host is the request's Host.
func FuzzCrossSite(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"http://127.0.0.1:8953", "same-origin"}, {"null", ""}, {"http://evil.example", "cross-site"}, {"http://[::1", "none"}, {"//127.0.0.1:8953", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, origin, site string) {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8953/drain", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", site)
		cross := CrossSite(req)
		if site != "" && site != "same-origin" && site != "none" && !cross {
			t.Fatalf("Sec-Fetch-Site %q passed", site)
		}
		if req.Header.Get("Origin") != "" && !cross && !strings.Contains(strings.ToLower(req.Header.Get("Origin")), "127.0.0.1:8953") {
			t.Fatalf("Origin %q passed for host 127.0.0.1:8953", origin)
		}
	})
}
