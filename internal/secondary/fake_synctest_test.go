package secondary

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// The timer tests run the real Zone.Run loop inside a synctest bubble, so
// its clock is virtual and every check happens at an exact instant. The
// servers are in memory (fakeServers, the Server interface): real network
// I/O never blocks durably in a bubble, so virtual time would not advance.

const origin = "example.org."

// fakeSOA is what one fake server address serves.
type fakeSOA struct {
	serial, refresh, retry, expire uint32
	edns                           *uint32 // EDNS EXPIRE (RFC 7314), if sent
	down                           bool
	delay                          time.Duration // before the SOA answer or failure (a timeout)
}

// event is one request a fake server saw, at its virtual offset from the
// bubble's start.
type event struct {
	at     time.Duration
	server string
	kind   string // "soa" or "xfr"
}

type fakeServers struct {
	start time.Time
	mu    sync.Mutex
	by    map[string]*fakeSOA
	seen  []event
}

func newFake(by map[string]*fakeSOA) *fakeServers {
	return &fakeServers{start: time.Now(), by: by}
}

func (f *fakeServers) set(server string, change func(*fakeSOA)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f.by[server])
}

func (f *fakeServers) record(server, kind string) fakeSOA {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, event{time.Since(f.start), server, kind})
	return *f.by[server]
}

func (s fakeSOA) rr() *dns.SOA {
	return &dns.SOA{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
		Ns: "ns." + origin, Mbox: "h." + origin, Serial: s.serial, Refresh: s.refresh, Retry: s.retry, Expire: s.expire, Minttl: 60}
}

var errDown = errors.New("server down")

func (f *fakeServers) QuerySOA(_ context.Context, server, _ string) (*xfr.SOAAnswer, error) {
	s := f.record(server, "soa")
	time.Sleep(s.delay)
	if s.down {
		return nil, fmt.Errorf("%s: %w", server, errDown)
	}
	return &xfr.SOAAnswer{SOA: s.rr(), Expire: s.edns}, nil
}

func (f *fakeServers) Pull(_ context.Context, server, _ string, _ *zonever.Version, _ bool) (*xfr.Pulled, error) {
	s := f.record(server, "xfr")
	if s.down {
		return nil, fmt.Errorf("%s: %w", server, errDown)
	}
	v, err := zonever.New(origin, []dns.RR{s.rr()})
	if err != nil {
		return nil, err
	}
	return &xfr.Pulled{Kind: xfr.KindAXFR, SOA: s.rr(), Version: v, Records: 1}, nil
}

// times returns the offsets of the requests of kind (any server when
// server is "").
func (f *fakeServers) times(kind, server string) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for _, e := range f.seen {
		if e.kind == kind && (server == "" || e.server == server) {
			out = append(out, e.at)
		}
	}
	return out
}

// harness is a Zone wired to fake servers, recording what it reports.
type harness struct {
	z       *Zone
	f       *fakeServers
	cur     atomic.Pointer[zonever.Version]
	mu      sync.Mutex
	expired []string // "true@7000s" / "false@7200s"
	taken   []string // "serial@at from server"
}

func newHarness(f *fakeServers, min, max time.Duration) *harness {
	h := &harness{f: f}
	h.z = &Zone{
		Origin:  origin,
		Current: h.cur.Load,
		Accept: func(_ context.Context, p *xfr.Pulled, server string, _ Request) error {
			h.cur.Store(p.Version)
			h.mu.Lock()
			h.taken = append(h.taken, fmt.Sprintf("%d@%v from %s", p.Version.Serial(), time.Since(f.start), server))
			h.mu.Unlock()
			return nil
		},
		Expired: func(e bool) {
			h.mu.Lock()
			h.expired = append(h.expired, fmt.Sprintf("%v@%v", e, time.Since(f.start)))
			h.mu.Unlock()
		},
		MinInterval: min,
		MaxInterval: max,
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return h
}

// servers makes the zone ask these addresses in turn with the fake.
func (h *harness) servers(addrs ...string) {
	h.z.Servers = func() []string { return addrs }
	h.z.Client = func() Server { return h.f }
}

// run starts Run at virtual 0, lets script act on the virtual clock, then
// sleeps until horizon, stops Run and waits for it to return. It must be
// called inside a synctest bubble.
func (h *harness) run(t *testing.T, horizon time.Duration, script func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.z.Run(ctx)
	}()
	if script != nil {
		script()
	}
	time.Sleep(horizon - time.Since(h.f.start))
	cancel()
	<-done // Run must return once its context ends
	synctest.Wait()
}

// sleepUntil sleeps until virtual offset at from the bubble's start.
func (h *harness) sleepUntil(at time.Duration) {
	time.Sleep(at - time.Since(h.f.start))
}

func secs(s ...int) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v) * time.Second
	}
	return out
}
