package replica

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// Peer is one hub of the cluster.
type Peer struct {
	Name    string
	Address string // IP:port of its replication listener
}

// Config starts a Node.
type Config struct {
	Self    Peer   // this hub; Address is also where it listens
	Peers   []Peer // the other hubs
	Secret  []byte // the cluster secret every hub holds
	RaftDir string // Raft's log, snapshots and applied index
	Root    string // the replicated directory
	// Mu is held for writing while the directory changes; hold it for
	// reading to see one whole state.
	Mu *sync.RWMutex
	// OnApply is called (in log order, from Raft's goroutine) with the
	// files a change, a seed or a snapshot wrote or removed.
	OnApply func(names []string)
	// Track names the files whose last write is counted (LastWrite).
	Track []string
	Log   *slog.Logger
	// Fast shortens Raft's timers (tests on loopback).
	Fast bool
}

// testNoSnapshots keeps the whole log (tests of catching up from it
// rather than from a snapshot).
var testNoSnapshots bool

// Node is this hub's member of the replication cluster.
type Node struct {
	cfg    Config
	raft   *raft.Raft
	fsm    *fsm
	stream *streamLayer
	store  *raftboltdb.BoltStore
	tls    *tls.Config
	fwd    chan struct{} // forwarded changes being handled at once
	done   chan struct{} // closed by Close
}

const (
	maxForwarding  = 8
	forwardTimeout = 15 * time.Second
	// applyTimeout bounds one change: without a majority it fails in this
	// time instead of hanging the operator's command.
	applyTimeout = 10 * time.Second
)

// Start opens the Raft state in cfg.RaftDir (bootstrapping the cluster of
// Self and Peers on first start) and joins the others.
func Start(cfg Config) (*Node, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("the replication secret must be at least 32 bytes")
	}
	if err := os.MkdirAll(cfg.RaftDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Root, 0o700); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, fwd: make(chan struct{}, maxForwarding)}
	var err error
	if n.tls, err = tlsConfig(cfg.Secret); err != nil {
		return nil, err
	}
	if n.fsm, err = newFSM(cfg.Root, cfg.RaftDir, cfg.Mu, cfg.OnApply, cfg.Track, cfg.Log); err != nil {
		return nil, err
	}
	logw := &slogWriter{log: cfg.Log}
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Output: logw, Level: hclog.Warn})
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.Self.Name)
	rc.Logger = hlog
	// The replicated directory is on disk and the applied index beside
	// it: at start the hub keeps what it has rather than going back to
	// its last snapshot until the others answer.
	rc.NoSnapshotRestoreOnStart = true
	rc.SnapshotThreshold = 1024
	if cfg.Fast {
		rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 300*time.Millisecond, 300*time.Millisecond, 200*time.Millisecond
		rc.SnapshotThreshold, rc.TrailingLogs = 4, 2
		rc.SnapshotInterval = 500 * time.Millisecond
		if testNoSnapshots {
			rc.SnapshotThreshold = 1 << 20
		}
	}
	n.store, err = raftboltdb.NewBoltStore(filepath.Join(cfg.RaftDir, "raft.db"))
	if err != nil {
		return nil, fmt.Errorf("replication log: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStore(cfg.RaftDir, 2, logw)
	if err != nil {
		n.store.Close()
		return nil, err
	}
	n.stream, err = newStreamLayer(cfg.Self.Address, cfg.Secret, n.handleForward)
	if err != nil {
		n.store.Close()
		return nil, err
	}
	trans := raft.NewNetworkTransport(n.stream, 3, 10*time.Second, logw)
	n.done = make(chan struct{})
	stableLog := cfg.Log
	if stableLog == nil {
		stableLog = slog.Default()
	}
	stable := patientStable{StableStore: n.store, log: stableLog, done: n.done}
	has, err := raft.HasExistingState(n.store, stable, snaps)
	if err != nil {
		n.Close()
		return nil, err
	}
	if !has {
		servers := []raft.Server{{ID: raft.ServerID(cfg.Self.Name), Address: raft.ServerAddress(cfg.Self.Address)}}
		for _, p := range cfg.Peers {
			servers = append(servers, raft.Server{ID: raft.ServerID(p.Name), Address: raft.ServerAddress(p.Address)})
		}
		// Every hub bootstraps with the same list on first start, which
		// Raft allows: they elect a leader among themselves.
		if err := raft.BootstrapCluster(rc, n.store, stable, snaps, trans, raft.Configuration{Servers: servers}); err != nil {
			n.Close()
			return nil, fmt.Errorf("replication bootstrap: %w", err)
		}
	}
	n.raft, err = raft.NewRaft(rc, n.fsm, n.store, stable, snaps, trans)
	if err != nil {
		n.Close()
		return nil, err
	}
	go n.reconcile()
	return n, nil
}

// reconcile makes the cluster's membership follow the configuration
// while this hub leads: a hub added to every file is added as a voter,
// one taken out of the leader's file is removed (so a hub gone for good
// stops counting in the majority). Bootstrap only uses the list once.
func (n *Node) reconcile() {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-n.done:
			return
		case <-t.C:
		}
		if n.raft.State() != raft.Leader {
			continue
		}
		f := n.raft.GetConfiguration()
		if f.Error() != nil {
			continue
		}
		want := map[raft.ServerID]raft.ServerAddress{raft.ServerID(n.cfg.Self.Name): raft.ServerAddress(n.cfg.Self.Address)}
		for _, p := range n.cfg.Peers {
			want[raft.ServerID(p.Name)] = raft.ServerAddress(p.Address)
		}
		have := map[raft.ServerID]raft.ServerAddress{}
		for _, s := range f.Configuration().Servers {
			have[s.ID] = s.Address
			if _, ok := want[s.ID]; !ok {
				n.cfg.Log.Warn("replication: removing a hub no longer in the configuration", "hub", s.ID)
				n.raft.RemoveServer(s.ID, 0, applyTimeout).Error()
			}
		}
		for id, addr := range want {
			if have[id] != addr {
				n.cfg.Log.Info("replication: adding a hub from the configuration", "hub", id, "address", addr)
				n.raft.AddVoter(id, addr, 0, applyTimeout).Error()
			}
		}
	}
}

// Close leaves the cluster's work to the others (the membership stays).
func (n *Node) Close() error {
	if n.done != nil {
		select {
		case <-n.done:
		default:
			close(n.done)
		}
	}
	if n.raft != nil {
		n.raft.Shutdown().Error()
	}
	if n.stream != nil {
		n.stream.Close()
	}
	if n.store != nil {
		n.store.Close()
	}
	return nil
}

// Seeded says whether the cluster has made its first change.
func (n *Node) Seeded() bool { return n.fsm.current().Seeded }

// LastWrite is the index of the last log entry that wrote or removed the
// tracked file name (0: none since this hub's replication state began).
// Every hub has the same value after applying the same entries, across
// restarts and snapshots. The caller holds Config.Mu for reading, so the
// value is the one of the files it reads meanwhile.
func (n *Node) LastWrite(name string) uint64 { return n.fsm.written[name] }

// Status is the replication seen from this hub.
type Status struct {
	Self    string `json:"self"`
	State   string `json:"state"`
	Leader  string `json:"leader"`
	Applied uint64 `json:"applied_index"`
}

func (n *Node) Status() Status {
	_, id := n.raft.LeaderWithID()
	return Status{Self: n.cfg.Self.Name, State: n.raft.State().String(), Leader: string(id), Applied: n.fsm.current().Index}
}

// Submit puts c through the log (forwarding it to the leader when this
// hub is a follower) and returns once it is applied here too. A change
// computed from a stale state gives ErrConflict; without a majority of
// hubs it fails within a few seconds, changing nothing.
func (n *Node) Submit(ctx context.Context, c Change) error {
	if err := c.Check(); err != nil {
		return err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(applyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var last error
	for time.Now().Before(deadline) {
		var res Result
		if n.raft.State() == raft.Leader {
			res, err = n.applyLocal(data, time.Until(deadline))
		} else {
			addr, _ := n.raft.LeaderWithID()
			if addr == "" {
				err = errors.New("no leader: fewer than a majority of hubs answer")
			} else {
				res, err = n.forward(string(addr), data, time.Until(deadline))
			}
		}
		if err == nil {
			if !n.fsm.waitApplied(res.Index, deadline) {
				return errors.New("the change is committed but not yet applied at this hub")
			}
			return res.err()
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("administrative change not made: it needs a majority of the hubs (%d of %d): %w",
		(len(n.cfg.Peers)+1)/2+1, len(n.cfg.Peers)+1, last)
}

func (n *Node) applyLocal(data []byte, timeout time.Duration) (Result, error) {
	f := n.raft.Apply(data, timeout)
	if err := f.Error(); err != nil {
		return Result{}, err
	}
	res, _ := f.Response().(Result)
	return res, nil
}

// forward sends a change to the leader: a length, the JSON change; the
// answer is a length and the JSON result.
func (n *Node) forward(addr string, data []byte, timeout time.Duration) (Result, error) {
	if timeout > forwardTimeout {
		timeout = forwardTimeout
	}
	c, err := dialKind(n.tls, addr, connForward, timeout)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if err := writeFrame(c, data); err != nil {
		return Result{}, err
	}
	ans, err := readFrame(bufio.NewReader(c), 4096)
	if err != nil {
		return Result{}, err
	}
	var res struct {
		Result
		NotLeader string `json:"not_leader,omitempty"`
	}
	if err := json.Unmarshal(ans, &res); err != nil {
		return Result{}, err
	}
	if res.NotLeader != "" {
		return Result{}, errors.New(res.NotLeader)
	}
	return res.Result, nil
}

// maxFrame bounds a forwarded change: the bound on a change, in JSON.
const maxFrame = MaxTreeBytes*2 + 1<<20

// handleForward applies a change a follower forwarded, when this hub
// leads; a bounded number at once, each within forwardTimeout.
func (n *Node) handleForward(c net.Conn) {
	defer c.Close()
	select {
	case n.fwd <- struct{}{}:
		defer func() { <-n.fwd }()
	default:
		return
	}
	c.SetDeadline(time.Now().Add(forwardTimeout))
	data, err := readFrame(bufio.NewReader(c), maxFrame)
	if err != nil {
		return
	}
	var out struct {
		Result
		NotLeader string `json:"not_leader,omitempty"`
	}
	var ch Change
	switch {
	case json.Unmarshal(data, &ch) != nil:
		out.Err = "undecodable change"
	case ch.Check() != nil:
		out.Err = ch.Check().Error()
	case n.raft.State() != raft.Leader:
		out.NotLeader = "this hub no longer leads"
	default:
		res, err := n.applyLocal(data, applyTimeout)
		if err != nil {
			out.NotLeader = err.Error()
		}
		out.Result = res
	}
	ans, _ := json.Marshal(out)
	writeFrame(c, ans)
}

func writeFrame(w io.Writer, data []byte) error {
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(data)))
	if _, err := w.Write(l[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// readFrame reads one length-prefixed frame of at most max bytes; the
// length is checked before anything is allocated.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	size := int(binary.BigEndian.Uint32(l[:]))
	if size > max {
		return nil, fmt.Errorf("frame of %d bytes, more than %d", size, max)
	}
	buf := make([]byte, size)
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// slogWriter turns Raft's log lines into the hub's log.
type slogWriter struct{ log *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	if w.log != nil {
		for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
			if line != "" {
				w.log.Info("replication", "raft", line)
			}
		}
	}
	return len(p), nil
}
