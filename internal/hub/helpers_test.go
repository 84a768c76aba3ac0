package hub

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

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

const (
	clientSecret  = "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="
	nodeSecret    = "c2VjcmV0LW9mLXRoZS1ub2RlLWtleS0wMTIzNDU2Nzg5YWI="
	clusterSecret = "a-cluster-secret-of-the-hubs-0123456789-abcdef"
)

// testHub is a hub running in-process on a free loopback port.
type testHub struct {
	*Hub
	addr    string
	port    int
	dir     string
	nodeKey *xfr.Key
	cancel  context.CancelFunc
	done    chan error
	logs    *testpeer.LogBuffer // safe to read while the hub runs
	once    sync.Once
}

// hubYAML renders a one-client hub configuration.
func hubYAML(port int, dir string, primaries []string, extra string) string {
	quoted := make([]string, len(primaries))
	for i, p := range primaries {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	return fmt.Sprintf(`listen: ["127.0.0.1:%d"]
storage: %s
catalog: catalog.anycloud.
timeouts:
  transfer: 2s
  min-refresh: 1s
%s
clients:
  - name: example
    zones: [example.]
    primaries: [%s]
    tsig: {name: client-key., algorithm: hmac-sha256, secret-file: client.key}
nodes:
  - name: node1
    address: 127.0.0.1:%d
    tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
`, port, filepath.Join(dir, "storage"), extra, strings.Join(quoted, ", "), port+1)
}

func writeKeys(t *testing.T, dir string) {
	t.Helper()
	for name, secret := range map[string]string{"client.key": clientSecret, "node.key": nodeSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// startHub starts a hub from yaml (see hubYAML) in dir.
func startHub(t *testing.T, dir string, port int, yaml string) *testHub {
	t.Helper()
	writeKeys(t, dir)
	path := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testpeer.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	th := &testHub{Hub: h, port: port, dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", port), cancel: cancel, done: make(chan error, 1), logs: logs}
	th.nodeKey, _ = xfr.NewKey("node1-key.", "hmac-sha256", nodeSecret)
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

func primaryOpts(hubPort int, text string) testpeer.PrimaryOptions {
	return testpeer.PrimaryOptions{Origin: "example.", ZoneText: text, KeyName: "client-key.", Algorithm: "hmac-sha256",
		Secret: clientSecret, NotifyTo: fmt.Sprintf("127.0.0.1:%d", hubPort)}
}
