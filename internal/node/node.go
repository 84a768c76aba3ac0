package node

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"anycloud/internal/announce"
	"anycloud/internal/authserver"
	"anycloud/internal/secondary"
	"anycloud/internal/store"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// Node is a running node.
type Node struct {
	cfg   *Config
	log   *slog.Logger
	srv   *authserver.Server
	store *store.Store
	ann   *announce.Announcer // nil without an announce: section
	// hubState is the administrative state the hub last gave (hubstate.go).
	hubState atomic.Value

	mu      sync.Mutex
	ctx     context.Context
	catalog *member
	members map[string]*member
}

// member is one zone the node keeps from the hub (the catalog included).
type member struct {
	origin  string
	cur     atomic.Pointer[zonever.Version]
	journal *zonever.Journal // recent deltas, so a save rewrites little
	sec     *secondary.Zone
	cancel  context.CancelFunc
	done    chan struct{}
	notify  notifyGate // spaces NOTIFY-triggered refreshes (notify.go)
}

// meta is what survives a restart besides the zone: when the hub last
// answered, so expiry is not reset by restarting.
type meta struct {
	LastContact time.Time     `json:"last_contact"`
	ExpireAfter time.Duration `json:"expire_after_ns"`
}

// New builds the node and its server. Nothing is served until Run.
func New(cfg *Config, log *slog.Logger) (*Node, error) {
	st, err := store.Open(cfg.Storage)
	if err != nil {
		return nil, err
	}
	st.SetLogger(log)
	n := &Node{cfg: cfg, log: log, store: st, members: map[string]*member{}}
	n.srv = authserver.New(authserver.Config{NSID: cfg.NSID, Identity: cfg.Identity, Version: cfg.Version, HideVersion: cfg.Version == "", RRL: cfg.RRL, TCP: cfg.TCP, Logger: log, Notify: n.handleNotify})
	if cfg.Announce != nil {
		if n.ann, err = n.newAnnouncer(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// Server returns the authoritative server (for tests and the serve path).
func (n *Node) Server() *authserver.Server { return n.srv }

// sources are the hubs as the secondary asks them, each with its own key.
// A whole zone is built straight into its serving snapshot as it arrives
// (Snapshot): the node keeps its versions as snapshots anyway, and reading
// the records in place instead of as dns.RR values makes its first
// transfer of a large zone several times cheaper.
func (n *Node) sources() []secondary.Source {
	out := make([]secondary.Source, len(n.cfg.Hubs))
	for i, h := range n.cfg.Hubs {
		out[i] = secondary.Source{Name: h.Name, Servers: h.Addrs,
			Client: xfr.Client{Key: h.Key, Timeout: n.cfg.Timeout, Snapshot: true}}
	}
	return out
}

func (n *Node) newSecondary(m *member, accept func(*xfr.Pulled) error, expired func(bool)) {
	m.sec = &secondary.Zone{
		Origin:  m.origin,
		Sources: n.sources,
		Current: m.cur.Load,
		Accept: func(_ context.Context, p *xfr.Pulled, _ string, _ secondary.Request) error {
			return accept(p)
		},
		Expired: expired,
		Contacted: func(at time.Time, after time.Duration) {
			if err := n.store.SaveMeta(m.origin, meta{LastContact: at, ExpireAfter: after}); err != nil {
				n.log.Warn("could not persist the expire timer", "zone", m.origin, "err", err)
			}
		},
		MinInterval: n.cfg.MinRefresh,
		MaxInterval: n.cfg.MaxRefresh,
		Log:         n.log,
	}
	var md meta
	if err := n.store.LoadMeta(m.origin, &md); err == nil && !md.LastContact.IsZero() {
		m.sec.SetContact(md.LastContact, md.ExpireAfter)
	}
}

func (n *Node) start(m *member) {
	ctx, cancel := context.WithCancel(n.ctx)
	m.cancel, m.done = cancel, make(chan struct{})
	go func() {
		defer close(m.done)
		m.sec.Run(ctx)
	}()
}

func (m *member) stop() {
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
}
