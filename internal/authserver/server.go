package authserver

import (
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/tcpslots"
	"anycloud/internal/zone"
)

// Config is the server's ready-made configuration; zero values get defaults.
type Config struct {
	NSID        string // NSID option payload (RFC 5001); empty: none
	Identity    string // id.server / hostname.bind; empty: the NSID
	Version     string // version.bind
	HideVersion bool   // refuse version.bind
	MaxUDPSize  uint16 // our EDNS buffer size; default 1232
	// TCP bounds TCP connections; zero fields take DefaultTCP's.
	TCP     tcpslots.Limits
	RRL     *RRLConfig // response rate limiting; nil: off
	NoStats bool       // do not count per-zone statistics
	Logger  *slog.Logger
	// Notify handles NOTIFY requests (the node's secondary logic) and
	// returns the packed answer (nil: none), signed when it verified the
	// request's TSIG, for which it gets the request as received too; nil
	// answers them REFUSED.
	Notify func(msg []byte, req *dns.Msg, src netip.AddrPort) []byte
}

// DefaultTCP: 1000 connections (what the old fixed cap was; Knot takes
// half the descriptor limit), a tenth of them per /24 or /56, so one
// network's clients cannot take the rest's, and Knot's 10s
// tcp-idle-timeout.
var DefaultTCP = tcpslots.Limits{MaxConns: 1000, MaxPerPrefix: 100, IdleTimeout: 10 * time.Second}

func (c *Config) setDefaults() {
	if c.MaxUDPSize == 0 {
		c.MaxUDPSize = 1232
	}
	if c.TCP.IdleTimeout == 0 {
		c.TCP.IdleTimeout = DefaultTCP.IdleTimeout
	}
	if c.TCP.MaxConns == 0 {
		c.TCP.MaxConns = DefaultTCP.MaxConns
	}
	if c.TCP.MaxPerPrefix == 0 {
		c.TCP.MaxPerPrefix = DefaultTCP.MaxPerPrefix
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
}

func (c *Config) identity() string {
	if c.Identity != "" {
		return c.Identity
	}
	return c.NSID
}

// Server answers from a set of zone snapshots. The set is itself immutable
// and replaced whole on every change, so queries never lock.
type Server struct {
	cfg      Config
	log      *slog.Logger
	rrl      *rrl       // nil when rate limiting is off
	mu       sync.Mutex // serialises writers of zones
	zones    atomic.Pointer[zoneSet]
	stats    statsRegistry
	away     awayRegistry                   // queries from other hosts, per local address
	tcpSlots atomic.Pointer[tcpslots.Table] // made by Serve, shared by its listeners
}

// zoneSet maps each apex (lower-case wire name) to its entry.
type zoneSet struct {
	byApex map[string]*entry
}

type entry struct {
	z       *zone.Zone
	statIdx int // the zone's statistics number, kept across versions
	expired atomic.Bool
}

// New makes a server with no zones.
func New(cfg Config) *Server {
	cfg.setDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger}
	if cfg.RRL != nil {
		s.rrl = newRRL(*cfg.RRL)
	}
	s.zones.Store(&zoneSet{byApex: map[string]*entry{}})
	return s
}

// Publish adds a zone or replaces the version being served, atomically:
// a query sees the old snapshot or the new one, never a mix.
func (s *Server) Publish(z *zone.Zone) {
	idx := s.stats.zoneIndex(string(z.Apex()), z.Origin())
	s.update(func(m map[string]*entry) { m[string(z.Apex())] = &entry{z: z, statIdx: idx} })
}

// Withdraw stops serving a zone; its queries are then refused.
func (s *Server) Withdraw(origin string) {
	apex := apexKey(origin)
	s.update(func(m map[string]*entry) { delete(m, apex) })
}

// SetExpired makes the zone answer SERVFAIL (its SOA EXPIRE passed without
// contact with the primary), or serve again.
func (s *Server) SetExpired(origin string, expired bool) {
	if e := s.zones.Load().byApex[apexKey(origin)]; e != nil {
		e.expired.Store(expired)
	}
}

// Zone returns the snapshot served for origin, or nil.
func (s *Server) Zone(origin string) *zone.Zone {
	if e := s.zones.Load().byApex[apexKey(origin)]; e != nil {
		return e.z
	}
	return nil
}

// Origins lists the zones served.
func (s *Server) Origins() []string {
	var out []string
	for _, e := range s.zones.Load().byApex {
		out = append(out, e.z.Origin())
	}
	return out
}

func (s *Server) update(change func(map[string]*entry)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.zones.Load().byApex
	m := make(map[string]*entry, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	change(m)
	s.zones.Store(&zoneSet{byApex: m})
}

func apexKey(origin string) string {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.CanonicalName(origin), buf, 0, nil, false)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// find picks the zone for a query: the longest hosted suffix of the name; for
// DS, the parent side of a cut, so the search starts one label up (RFC 4035
// 3.1.4.1) and falls back to the zone itself when its parent is not hosted.
func (zs *zoneSet) find(q *query) *entry {
	start := 0
	if q.qtype == dns.TypeDS && q.nlabels > 2 {
		start = 1
	}
	for i := start; i < q.nlabels; i++ {
		if e, ok := zs.byApex[string(q.suffix(i))]; ok {
			return e
		}
	}
	if start == 1 {
		return zs.byApex[string(q.name())]
	}
	return nil
}

// TCPStats reports the TCP slots: open, evicted, refused; zero before Serve.
func (s *Server) TCPStats() tcpslots.Stats {
	if t := s.tcpSlots.Load(); t != nil {
		return t.Stats()
	}
	return tcpslots.Stats{}
}

// RRLStats reports what rate limiting did; zero when it is off.
func (s *Server) RRLStats() RRLStats {
	if s.rrl == nil {
		return RRLStats{}
	}
	return s.rrl.stats()
}
