package replica

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-cluster")

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type member struct {
	*Node
	root string
	cfg  Config
}

func startCluster(t *testing.T, n int, track ...string) []*member {
	t.Helper()
	var peers []Peer
	for i := range n {
		peers = append(peers, Peer{Name: fmt.Sprintf("hub%d", i), Address: freeAddr(t)})
	}
	var out []*member
	for i := range n {
		dir := t.TempDir()
		var others []Peer
		for j, p := range peers {
			if j != i {
				others = append(others, p)
			}
		}
		cfg := Config{Self: peers[i], Peers: others, Secret: testSecret, RaftDir: filepath.Join(dir, "raft"),
			Root: filepath.Join(dir, "admin"), Mu: &sync.RWMutex{}, Log: slog.New(slog.DiscardHandler), Fast: true, Track: track}
		m := &member{root: cfg.Root, cfg: cfg}
		m.start(t)
		out = append(out, m)
	}
	return out
}

func (m *member) start(t *testing.T) {
	t.Helper()
	node, err := Start(m.cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Node = node
	t.Cleanup(func() { m.Node.Close() })
}

// submitFile writes name=data at m, computing the base from m's copy.
// A conflict (m had not yet applied the last change) is recomputed, as
// the hub does.
func submitFile(m *member, name, data string) error {
	for range 100 {
		old, err := os.ReadFile(filepath.Join(m.root, name))
		err = m.Submit(context.Background(), Change{Files: []FileChange{{Name: name, Base: Hash(old, err == nil), Data: []byte(data)}}})
		if err != ErrConflict {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return ErrConflict
}

func waitFile(t *testing.T, m *member, name, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := os.ReadFile(filepath.Join(m.root, name)); string(got) == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, _ := os.ReadFile(filepath.Join(m.root, name))
	t.Fatalf("%s at %s: %q, want %q", name, m.cfg.Self.Name, got, want)
}

// TestReplicaFollowerWriteReachesAll: a change submitted at any member
// (follower ones forwarded to the leader) is applied by every member; a
// change computed from a stale state is refused as a conflict; a member
// stopped while changes are made catches up (from a snapshot: the log is
// compacted meanwhile) when it comes back.
func TestReplicaFollowerWriteReachesAll(t *testing.T) {
	ms := startCluster(t, 3)
	for i, m := range ms {
		if err := submitFile(m, "keys/a.key", fmt.Sprintf("v%d", i)); err != nil {
			t.Fatalf("submit at %s: %v", m.cfg.Self.Name, err)
		}
		for _, o := range ms {
			waitFile(t, o, "keys/a.key", fmt.Sprintf("v%d", i))
		}
	}
	stale := Change{Files: []FileChange{{Name: "keys/a.key", Base: Hash([]byte("v0"), true), Data: []byte("stale")}}}
	if err := ms[1].Submit(context.Background(), stale); err != ErrConflict {
		t.Fatalf("stale change: %v, want ErrConflict", err)
	}
	ms[2].Close()
	for i := range 10 {
		if err := submitFile(ms[i%2], "nodes.yaml", fmt.Sprintf("n%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	ms[2].start(t)
	waitFile(t, ms[2], "nodes.yaml", "n9")
	waitFile(t, ms[2], "keys/a.key", "v2")
}

func (m *member) lastWrite(name string) uint64 {
	m.cfg.Mu.RLock()
	defer m.cfg.Mu.RUnlock()
	return m.LastWrite(name)
}

// TestReplicaLastWrite: the index of a tracked file's last write is the
// same at every member, moves only when that file is written or removed,
// and is the same after a restart and after catching up from a snapshot
// (the log compacted meanwhile), so a value derived from it (the hub's
// catalog serial) is the same on every hub.
func TestReplicaLastWrite(t *testing.T) {
	ms := startCluster(t, 3, "clients.yaml")
	same := func(what string) uint64 {
		t.Helper()
		var want uint64
		deadline := time.Now().Add(20 * time.Second)
		for {
			want = ms[0].lastWrite("clients.yaml")
			ok := want != 0
			for _, m := range ms[1:] {
				ok = ok && m.lastWrite("clients.yaml") == want
			}
			if ok {
				return want
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: last write of clients.yaml %d, %d, %d", what, ms[0].lastWrite("clients.yaml"), ms[1].lastWrite("clients.yaml"), ms[2].lastWrite("clients.yaml"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := submitFile(ms[1], "clients.yaml", "a"); err != nil {
		t.Fatal(err)
	}
	waitFile(t, ms[2], "clients.yaml", "a")
	first := same("after the first write")
	if err := submitFile(ms[0], "nodes.yaml", "n"); err != nil {
		t.Fatal(err)
	}
	waitFile(t, ms[2], "nodes.yaml", "n")
	if got := same("after another file's write"); got != first {
		t.Fatalf("another file's write moved clients.yaml's index from %d to %d", first, got)
	}
	ms[2].Close()
	for i := range 8 { // past the snapshot threshold: ms[2] catches up from a snapshot
		if err := submitFile(ms[i%2], "clients.yaml", fmt.Sprintf("c%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ms[0].Submit(context.Background(), Change{Files: []FileChange{{Name: "clients.yaml", Base: Hash([]byte("c7"), true), Delete: true}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // snapshots every 0.5 s (Fast): the log is compacted
	ms[2].start(t)
	waitFile(t, ms[2], "clients.yaml", "")
	last := same("after a removal, one member caught up from a snapshot")
	if last <= first {
		t.Fatalf("clients.yaml's index went from %d to %d", first, last)
	}
	ms[0].Close()
	ms[0].start(t)
	if got := ms[0].lastWrite("clients.yaml"); got != last {
		t.Fatalf("after a restart: %d, want %d", got, last)
	}
}

// TestReplicaRefusesStrangers: a peer without the cluster secret cannot
// join (its TLS handshake fails), nor forward a change.
func TestReplicaRefusesStrangers(t *testing.T) {
	ms := startCluster(t, 2)
	if err := submitFile(ms[0], "clients.yaml", "x"); err != nil {
		t.Fatal(err)
	}
	leader := ms[0].cfg.Self.Address
	for _, secret := range [][]byte{[]byte("another-secret-of-the-same-length-ok!!!"), testSecret} {
		cfg, err := tlsConfig(secret)
		if err != nil {
			t.Fatal(err)
		}
		c, err := dialKind(cfg, leader, connForward, 2*time.Second)
		if bytes.Equal(secret, testSecret) {
			if err != nil {
				t.Fatalf("the cluster secret is refused: %v", err)
			}
			c.Close()
			continue
		}
		if err == nil {
			// TLS 1.3: the client's certificate is checked after the
			// client's handshake ends; the server closes on the first read.
			c.SetDeadline(time.Now().Add(2 * time.Second))
			err = writeFrame(c, []byte(`{"files":[{"name":"clients.yaml","base":"","data":"eA=="}]}`))
			if err == nil {
				_, err = c.Read(make([]byte, 1))
			}
			c.Close()
		}
		if err == nil {
			t.Fatal("a peer without the secret was answered")
		}
	}
	waitFile(t, ms[1], "clients.yaml", "x")
}

// TestValidName: names that would leave the directory or hide are refused.
func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"clients.yaml", true}, {"keys/a-b_c.key", true},
		{"../etc/passwd", false}, {"/etc/passwd", false}, {"keys/../../x", false}, {"a/b/c/d", false},
		{".hidden", false}, {"keys/.x", false}, {"x.tmp", false}, {"", false}, {"a//b", false}, {"a b", false},
	} {
		if err := ValidName(tc.name); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestReadFrameBound: a frame longer than the bound is refused from its
// length alone, before anything is allocated or read.
func TestReadFrameBound(t *testing.T) {
	var buf bytes.Buffer
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], 5000)
	buf.Write(l[:])
	buf.Write(make([]byte, 5000))
	if _, err := readFrame(&buf, 4096); err == nil {
		t.Fatal("a frame over the bound was accepted")
	}
	ch := Change{Files: []FileChange{{Name: "a", Data: make([]byte, MaxFileBytes+1)}}}
	if ch.Check() == nil {
		t.Fatal("a file over the bound was accepted")
	}
}

// TestHandshakeDeadline: a connection that never completes its TLS
// handshake is closed by the listener after the handshake bound.
func TestHandshakeDeadline(t *testing.T) {
	old := handshakeTimeout
	handshakeTimeout = 300 * time.Millisecond
	defer func() { handshakeTimeout = old }()
	s, err := newStreamLayer("127.0.0.1:0", testSecret, func(c net.Conn) { c.Close() })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("a silent connection was still open after 5 s")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("closed after %v", time.Since(start))
	}
}

// TestSnapshotRefusesEscapes: a snapshot naming a file outside the
// directory is refused and writes nothing.
func TestSnapshotRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	f, err := newFSM(filepath.Join(dir, "admin"), dir, &sync.RWMutex{}, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	snap := `{"state":{"index":3,"seeded":true},"files":{"../escaped":"eA=="}}`
	if err := f.Restore(io.NopCloser(strings.NewReader(snap))); err == nil {
		t.Fatal("a snapshot with ../escaped was restored")
	}
	if _, err := os.Stat(filepath.Join(dir, "escaped")); err == nil {
		t.Fatal("the file outside the directory was written")
	}
}

// TestReplicaAddsAHub: a third hub joins a running pair once the pair's
// configurations list it (they restart with it); it receives the state
// (its own earlier files put aside), and then any one of the three may
// be down.
func TestReplicaAddsAHub(t *testing.T) {
	testNoSnapshots = true // the third hub replays the log itself
	defer func() { testNoSnapshots = false }()
	ms := startCluster(t, 2)
	if err := submitFile(ms[0], "clients.yaml", "before"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	third := &member{root: filepath.Join(dir, "admin")}
	third.cfg = Config{Self: Peer{Name: "hub2", Address: freeAddr(t)}, Peers: []Peer{ms[0].cfg.Self, ms[1].cfg.Self}, Secret: testSecret,
		RaftDir: filepath.Join(dir, "raft"), Root: third.root, Mu: &sync.RWMutex{}, Log: slog.New(slog.DiscardHandler), Fast: true}
	// The third hub had files of its own (a restored backup, say): the
	// log is applied from the state it was computed from, not on them.
	WriteFile(third.root, "clients.yaml", []byte("stale"))
	WriteFile(third.root, "keys/old.key", []byte("old"))
	for _, m := range ms {
		m.Close()
		m.cfg.Peers = append(m.cfg.Peers, third.cfg.Self)
		m.start(t)
	}
	third.start(t)
	waitFile(t, third, "clients.yaml", "before")
	if _, err := os.Stat(filepath.Join(third.root, "keys/old.key")); err == nil {
		t.Fatal("a file the cluster never had survived at the joining hub")
	}
	ms[0].Close()
	if err := submitFile(third, "clients.yaml", "after"); err != nil {
		t.Fatalf("with one of three hubs down: %v", err)
	}
	waitFile(t, ms[1], "clients.yaml", "after")
}
