package faults

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
)

// hubRun is a hub running in-process on loopback, its logs kept.
type hubRun struct {
	*hub.Hub
	addr string
	dir  string
	logs *testpeer.LogBuffer
	stop func()
}

// hubConfig is a one-client hub for example. with extra YAML appended.
func hubConfig(addr, storage, primary, nodeAddr, extra string) string {
	return fmt.Sprintf(`listen: [%q]
storage: %s
catalog: catalog.anycloud.
timeouts: {transfer: 2s, min-refresh: 1s}
clients:
  - name: example
    zones: [example.]
    primaries: [%q]
    tsig: {name: client-key., algorithm: hmac-sha256, secret-file: client.key}
nodes:
  - name: node1
    address: %s
    tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
%s`, addr, storage, primary, nodeAddr, extra)
}

// startHubIn writes the keys and yaml into dir and runs the hub.
func startHubIn(t *testing.T, dir, yaml string) *hubRun {
	t.Helper()
	for name, secret := range map[string]string{"client.key": clientSecret, "node.key": nodeSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := hub.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testpeer.LogBuffer{}
	h, err := hub.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	r := &hubRun{Hub: h, addr: cfg.Listen[0], dir: dir, logs: logs}
	r.stop = runUntilReady(t, "hub", h.Run)
	return r
}

// runUntilReady runs run in the background until ready and returns an
// idempotent stop, also registered as cleanup.
func runUntilReady(t *testing.T, what string, run func(context.Context, func()) error) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done, ready := make(chan error, 1), make(chan struct{})
	go func() { done <- run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("%s did not start: %v", what, err)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatalf("%s did not start in 15s", what)
	}
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// waitServing waits until the hub serves serial of example.
func (r *hubRun) waitServing(t *testing.T, serial uint32, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if v := r.Current("example."); v != nil && v.Serial() == serial {
			return
		}
	}
	t.Fatalf("hub never served serial %d in %v\n%s", serial, within, r.logs.String())
}

// waitError waits until the zone's last refresh error contains want and
// returns it.
func (r *hubRun) waitError(t *testing.T, want string, within time.Duration) string {
	t.Helper()
	last := ""
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if st, ok := r.ZoneStatus("example."); ok && st.Refresh != nil {
			last = st.Refresh.LastError
			if strings.Contains(last, want) {
				return last
			}
		}
	}
	t.Fatalf("no refresh error with %q in %v; last %q\n%s", want, within, last, r.logs.String())
	return ""
}
