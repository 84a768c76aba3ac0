package hub

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"anycloud/internal/replica"
	"anycloud/internal/secondary"
	"anycloud/internal/store"
	"anycloud/internal/tcpslots"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// Hub is a running distribution point.
type Hub struct {
	log      *slog.Logger
	store    *store.Store
	cfg      atomic.Pointer[Config]
	notifier *notifier
	mon      *hubMonitor  // the embedded monitor (if configured) and counters
	plane    ControlPlane // administration and control API, if attached (plane.go)
	tcpOnce  sync.Once
	tcpSlots *tcpslots.Table // the DNS listener's TCP connections (tcp_slots.go)

	repl *replica.Node // nil: a single hub (replication.go)
	// replNode is repl for the catalog serial (catalog.go), set once the
	// replica runs: its first changes may be applied before repl is.
	replNode   atomic.Pointer[replica.Node]
	adminFiles sync.RWMutex // held to write the administered files; read: one whole state

	mu    sync.RWMutex
	zones map[string]*servedZone // by canonical origin, catalog included
	ctx   context.Context        // of Run, for zones started by a reload
	// catalogIndex is the client list's log index of the catalog last
	// published (replicated hubs, catalog.go).
	catalogIndex uint64
}

// New opens the storage and loads every stored version, so the hub can
// serve nodes before it reaches any primary.
func New(cfg *Config, log *slog.Logger) (*Hub, error) {
	st, err := store.Open(cfg.Storage)
	if err != nil {
		return nil, err
	}
	st.SetLogger(log)
	h := &Hub{log: log, store: st, zones: map[string]*servedZone{}}
	h.cfg.Store(cfg)
	h.notifier = newNotifier(h, log)
	h.mon = newHubMonitor(h, cfg)
	return h, nil
}

func (h *Hub) config() *Config { return h.cfg.Load() }

// lookup returns the served zone for origin, or nil.
func (h *Hub) lookup(origin string) *servedZone {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.zones[origin]
}

// clientZones returns the configured client zones with their client.
func ClientZones(cfg *Config) map[string]Client {
	out := map[string]Client{}
	for _, c := range cfg.Clients {
		for _, z := range c.Zones {
			out[z] = c
		}
	}
	return out
}

// loadZone creates the served zone for origin from storage.
func (h *Hub) loadZone(origin, client string) (*servedZone, error) {
	v, j, err := h.store.Load(origin)
	if err != nil {
		return nil, fmt.Errorf("stored copy of %s: %w", origin, err)
	}
	z := &servedZone{origin: origin, client: client, done: make(chan struct{})}
	if v != nil && h.store.JournalDamaged(origin) {
		// Nodes follow whatever serial the hub serves, older included (an
		// operator's rollback), so an older zone file must not be served:
		// nodes keep their copies until the primary's whole zone is here.
		then := "the zone is transferred whole from its primary first, nodes keep their copies until then"
		if client == "" {
			then = "the catalog is built again"
		}
		h.log.Error("stored version not served: with its journal damaged, the zone file may be older than what nodes already serve; "+then,
			"zone", origin, "zone_file_serial", v.Serial())
		v, j = nil, nil
	}
	if v != nil {
		z.cur.Store(&content{version: v, journal: j})
		h.log.Info("serving stored version", "zone", origin, "serial", v.Serial(), "records", v.Len(), "journal_deltas", len(j.Deltas()))
	}
	return z, nil
}

// startSecondary runs the zone's refresh loop toward its client's primaries.
func (h *Hub) startSecondary(ctx context.Context, z *servedZone) {
	cfg := h.config()
	z.sec = &secondary.Zone{
		Origin:  z.origin,
		Servers: func() []string { return h.clientOf(z).Primaries },
		Client: func() secondary.Server {
			return xfr.Client{Key: h.clientOf(z).Key, Timeout: h.config().Timeout, Limits: h.config().transferLimits()}
		},
		Current: z.current,
		Attempted: func(server, kind string, err error) {
			h.transferAttempted(z.origin, server, kind, err)
		},
		Accept: func(_ context.Context, p *xfr.Pulled, server string, req secondary.Request) error {
			return h.accept(z, p, server, req)
		},
		Expired: func(expired bool) {
			if expired {
				h.log.Error("zone expired at the hub: nodes are told so by EDNS EXPIRE and transfers fail", "zone", z.origin)
			}
		},
		MinInterval:       cfg.MinRefresh,
		MaxInterval:       cfg.MaxRefresh,
		MinNotifyInterval: func() time.Duration { return h.config().MinNotifyInterval },
		Log:               h.log,
	}
	zctx, cancel := context.WithCancel(ctx)
	z.cancel = cancel
	go func() {
		defer close(z.done)
		z.sec.Run(zctx)
	}()
}

// clientOf returns the current configuration of z's client.
func (h *Hub) clientOf(z *servedZone) Client {
	return ClientZones(h.config())[z.origin]
}

// Current returns the version of origin in service, or nil (for tests and
// the status).
func (h *Hub) Current(origin string) *zonever.Version {
	if z := h.lookup(origin); z != nil {
		return z.current()
	}
	return nil
}
