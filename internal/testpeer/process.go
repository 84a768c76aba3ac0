package testpeer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

// ReadyTimeout bounds how long a Start function waits for a daemon to
// answer an authoritative SOA for each of its zones.
const ReadyTimeout = 20 * time.Second

// Peer is one running daemon.
type Peer struct {
	Name   string // "knot" or "nsd"
	Addr   string // "127.0.0.1:PORT", for UDP and TCP
	Port   int
	Dir    string // the peer's private directory: config, pid, db, rundir
	Config string // path of the generated configuration file

	*Process // the daemon; Log returns what it printed
}

// daemon describes how to run one kind of peer.
type daemon struct {
	name   string
	binary string
	// config renders the configuration for a peer listening on port with
	// its state under dir.
	config func(dir string, port int) string
	args   func(configPath string) []string
	// ready lists the zones that must answer an authoritative SOA before
	// the peer counts as started.
	ready []string
	port  int // fixed port, or 0 to pick a free one per attempt
}

// start runs d, retrying with a fresh port when the daemon dies before it
// is ready (another process may have taken the port in between).
func start(t testing.TB, d daemon) *Peer {
	t.Helper()
	testenv.Interop(t, d.binary)
	testenv.RequireCommand(t, d.binary)
	binary, err := exec.LookPath(d.binary)
	if err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		p, err := spawn(t, d, binary)
		if err == nil {
			err = p.waitReady(d.ready)
		}
		if err == nil {
			return p
		}
		lastErr = err
		if p == nil || !p.hasExited() || d.port != 0 {
			break // not a port race, or no other port to try
		}
		t.Logf("testpeer: %s attempt %d failed: %v\n%s", d.name, attempt, err, p.Log())
	}
	t.Fatalf("testpeer: %s did not start: %v", d.name, lastErr)
	return nil
}

func spawn(t testing.TB, d daemon, binary string) (*Peer, error) {
	dir := t.TempDir()
	port := d.port
	if port == 0 {
		port = FreePort(t)
	}
	configPath := filepath.Join(dir, d.name+".conf")
	if err := os.WriteFile(configPath, []byte(d.config(dir, port)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s config: %w", d.name, err)
	}
	proc, err := startProcess(d.name, dir, append([]string{binary}, d.args(configPath)...))
	if err != nil {
		return nil, err
	}
	p := &Peer{Name: d.name, Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Dir: dir, Config: configPath, Process: proc}
	t.Cleanup(func() { p.stop(t) })
	return p, nil
}

func (p *Peer) waitReady(zones []string) error {
	deadline := time.Now().Add(ReadyTimeout)
	for _, zone := range zones {
		if err := waitSOA(p.Addr, zone, deadline, p.exited); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}
