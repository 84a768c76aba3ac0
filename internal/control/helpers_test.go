package control

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"anycloud/internal/admin"
	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
)

// The hub's own tests have the same helpers for a hub without its control
// plane (internal/hub/helpers_test.go); these run it as `anycloud hub`
// does, with Attach.

const (
	clientSecret = "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="
	nodeSecret   = "c2VjcmV0LW9mLXRoZS1ub2RlLWtleS0wMTIzNDU2Nzg5YWI="
)

// testHub is a hub with its control plane running in-process on a free
// loopback port.
type testHub struct {
	*hub.Hub
	admin  *admin.Admin
	addr   string
	port   int
	dir    string
	cancel context.CancelFunc
	done   chan error
	logs   *testpeer.LogBuffer // safe to read while the hub runs
	once   sync.Once
}

// startHub starts a hub from yaml in dir, with the client and node key
// files the configurations name.
func startHub(t *testing.T, dir string, port int, yaml string) *testHub {
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
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := hub.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	th := &testHub{Hub: h, admin: Attach(h), port: port, dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", port), cancel: cancel, done: make(chan error, 1), logs: logs}
	ready := make(chan struct{})
	go func() { th.done <- h.Run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-th.done:
		t.Fatalf("hub did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("hub did not start in 10s")
	}
	t.Cleanup(th.stop)
	return th
}

func (th *testHub) stop() {
	th.once.Do(func() {
		th.cancel()
		<-th.done
	})
}

// waitSerial waits until the hub serves serial for origin.
func (th *testHub) waitSerial(t *testing.T, origin string, serial uint32, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if v := th.Current(origin); v != nil && v.Serial() == serial {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, _ := th.ZoneStatus(origin)
	t.Fatalf("hub: %s never reached serial %d; status %+v refresh %+v\nlogs:\n%s", origin, serial, st, st.Refresh, th.logs.String())
}
