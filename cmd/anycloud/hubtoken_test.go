package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

// hostileHub is what a local user runs on the hub's control port while
// the hub restarts: its /hello names a secret file of root's (as an old
// CLI would read and send it) and it records everything it receives.
type hostileHub struct {
	addr string
	mu   sync.Mutex
	seen []string
}

func startHostileHub(t *testing.T, secretFile string) *hostileHub {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileHub{addr: ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h.mu.Lock()
		h.seen = append(h.seen, fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, body))
		h.mu.Unlock()
		if r.URL.Path == "/hello" {
			fmt.Fprintf(w, `{"token_file": %q}`, secretFile)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return h
}

func (h *hostileHub) received() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.seen, "\n")
}

func writeMode(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestCLITokenNotFromServer: whatever file the server on the control port
// names, the CLI reads the token only from its own side (--token-file, or
// the storage directory of the hub configuration) and never sends the
// named file's content.
func TestCLITokenNotFromServer(t *testing.T) {
	dir := t.TempDir()
	shadow := filepath.Join(dir, "shadow")
	const secret = "ROOT-SECRET-0123456789abcdef0123456789abcdef0123456789abcdef"
	writeMode(t, shadow, secret+"\n", 0o600)
	h := startHostileHub(t, shadow)

	storage := filepath.Join(dir, "storage")
	os.Mkdir(storage, 0o700)
	writeMode(t, filepath.Join(storage, "control.token"), strings.Repeat("ab", 32)+"\n", 0o600)
	config := filepath.Join(dir, "hub.yaml")
	writeMode(t, config, fmt.Sprintf("listen: [\"127.0.0.1:53\"]\nstorage: %s\ncatalog: catalog.anycloud.\ncontrol: %s\n", storage, h.addr), 0o600)

	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"hub status --control --token-file", func() error {
			return runHubControl("status", []string{"--control", h.addr, "--token-file", filepath.Join(storage, "control.token")})
		}},
		{"hub status --config", func() error { return runHubControl("status", []string{"--config", config}) }},
		{"node list --config", func() error { return runNodeState("list", "", []string{"--config", config}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run() // the hostile answers need not make sense to the CLI
			got := h.received()
			if got == "" {
				t.Fatal("the CLI sent nothing: the test does not exercise it")
			}
			if strings.Contains(got, "ROOT-SECRET") {
				t.Errorf("the CLI sent the file the server named:\n%s", got)
			}
			if strings.Contains(got, "/hello") {
				t.Errorf("the CLI asked the server where its token is:\n%s", got)
			}
		})
	}
}

// TestCLIRefusesOpenTokenFile: a token file others may read or write is
// refused with a message saying how to fix it, before anything is sent.
func TestCLIRefusesOpenTokenFile(t *testing.T) {
	dir := t.TempDir()
	h := startHostileHub(t, "/nonexistent")
	for _, tc := range []struct {
		mode os.FileMode
		want string
	}{
		{0o644, "mode 0644"},
		{0o640, "mode 0640"},
		{0o602, "mode 0602"},
	} {
		tok := filepath.Join(dir, fmt.Sprintf("token-%o", tc.mode))
		writeMode(t, tok, strings.Repeat("cd", 32)+"\n", tc.mode)
		err := runHubControl("status", []string{"--control", h.addr, "--token-file", tok})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("token file mode %04o: %v, want a refusal naming %q and chmod 600", tc.mode, err, tc.want)
		}
	}
	if got := h.received(); got != "" {
		t.Errorf("requests sent with a refused token file:\n%s", got)
	}
}

// hostileScript is a control-port squatter run as another local user
// (nobody): it prints the Authorization header of every request.
const hostileScript = `
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        print("AUTH", self.headers.get("Authorization"), flush=True)
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers(); self.wfile.write(b"{}")
    do_POST = do_GET
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print("PORT", s.server_port, flush=True)
s.serve_forever()
`

// TestCLIRefusesPortOfAnotherUser: while the hub is down another local
// user (nobody) listens on its control port; the CLI, holding root's
// token, sees that the listener is not root's nor the token owner's and
// sends it nothing (the token would let that user drive the real hub, and
// node add would hand it new TSIG secrets).
func TestCLIRefusesPortOfAnotherUser(t *testing.T) {
	testenv.RequireRoot(t, "to run the squatter as another user")
	python, err := exec.LookPath("/usr/bin/python3") // not a per-user shim: nobody runs it
	if err != nil {
		testenv.Skip(t, "python3 not installed (Debian package python3)")
	}
	cmd := exec.Command(python, "-c", hostileScript)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	var port string
	if lines.Scan() {
		port, _ = strings.CutPrefix(lines.Text(), "PORT ")
	}
	if port == "" {
		t.Fatal("the squatter did not start")
	}
	var mu sync.Mutex
	var got []string
	go func() {
		for lines.Scan() {
			mu.Lock()
			got = append(got, lines.Text())
			mu.Unlock()
		}
	}()
	addr := "127.0.0.1:" + port
	tok := filepath.Join(t.TempDir(), "control.token")
	writeMode(t, tok, strings.Repeat("ef", 32)+"\n", 0o600)

	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"hub status", func() error { return runHubControl("status", []string{"--control", addr, "--token-file", tok}) }},
		{"node list", func() error { return runNodeState("list", "", []string{"--control", addr, "--token-file", tok}) }},
		{"node drain", func() error {
			return runNodeControl(context.Background(), "drain", []string{"--control", addr, "--token-file", tok})
		}},
	} {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), "is held by nobody") {
			t.Errorf("%s to a port nobody holds: %v, want a refusal naming the user", tc.name, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 0 {
		t.Errorf("the squatter received requests:\n%s", strings.Join(got, "\n"))
	}
}
