package announce

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// call is one speaker operation as a recordingSpeaker saw it.
type call struct {
	at       time.Time
	op       string // "announce" or "withdraw"
	graceful bool   // announced with graceful-shutdown
	prepend  int
}

// recordingSpeaker records calls; with a gate, the first announce blocks
// until the test opens it, to hold a reconcile pass in flight.
type recordingSpeaker struct {
	gate    chan struct{}
	started chan struct{}
	once    sync.Once
	mu      sync.Mutex
	calls   []call
}

func newRecordingSpeaker(gated bool) *recordingSpeaker {
	r := &recordingSpeaker{started: make(chan struct{})}
	if gated {
		r.gate = make(chan struct{})
	}
	return r
}

func (r *recordingSpeaker) start(context.Context) error { return nil }
func (r *recordingSpeaker) announce(_ context.Context, p []Prefix) error {
	first := false
	r.once.Do(func() { first = true; close(r.started) })
	if first && r.gate != nil {
		<-r.gate
	}
	r.add(call{op: "announce", graceful: slices.Contains(p[0].Communities, "graceful-shutdown"), prepend: p[0].Prepend})
	return nil
}
func (r *recordingSpeaker) withdraw(context.Context, []Prefix) error {
	r.add(call{op: "withdraw"})
	return nil
}
func (r *recordingSpeaker) add(c call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.at = time.Now()
	if n := len(r.calls); n > 0 && r.calls[n-1].op == "withdraw" && c.op == "withdraw" {
		return // shutdown withdraws again
	}
	r.calls = append(r.calls, c)
}
func (r *recordingSpeaker) history() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}
func (r *recordingSpeaker) peers(context.Context) []PeerStatus { return nil }
func (r *recordingSpeaker) stop(context.Context) error         { return nil }

func drainConfig() Config {
	return Config{Mode: ModeBIRD, BIRD: BIRDConfig{IncludeFile: "unused", Socket: "unused"},
		Prefixes: []Prefix{{Prefix: netip.MustParsePrefix("198.51.100.53/32"), Prepend: 1}},
		Health:   HealthConfig{Interval: 10 * time.Millisecond, Rise: 1}}
}

// startAnnouncer runs an announcer with sp as its speaker until the test ends.
func startAnnouncer(t *testing.T, cfg Config, sp speaker) *Announcer {
	t.Helper()
	ok := FuncCheck("ok", func(context.Context) error { return nil })
	a, _ := runAnnouncer(t, cfg, []Check{ok}, slog.New(slog.DiscardHandler), sp)
	return a
}

// runAnnouncer runs an announcer (with sp as its speaker, unless nil)
// until the test ends, and returns it with the context it runs in.
func runAnnouncer(t *testing.T, cfg Config, checks []Check, log *slog.Logger, sp speaker) (*Announcer, context.Context) {
	t.Helper()
	a, err := New(cfg, checks, log)
	if err != nil {
		t.Fatal(err)
	}
	if sp != nil {
		a.speaker = sp
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return a, ctx
}

// TestDrainDuringAnnounce: a drain that starts while an announcement is
// being applied still goes through graceful shutdown and withdrawal, and
// (without a traffic counter) waits GracefulWait then DrainWait, instead
// of seeing "not announced yet" and returning at once.
func TestDrainDuringAnnounce(t *testing.T) {
	cfg := drainConfig()
	cfg.GracefulWait, cfg.DrainWait = 150*time.Millisecond, 200*time.Millisecond
	sp := newRecordingSpeaker(true)
	a := startAnnouncer(t, cfg, sp)
	<-sp.started // an announcement is in flight
	drained := make(chan time.Time, 1)
	start := time.Now()
	go func() {
		if err := a.Drain(context.Background()); err != nil {
			t.Error(err)
		}
		drained <- time.Now()
	}()
	time.Sleep(20 * time.Millisecond)
	close(sp.gate)
	end := <-drained
	h := sp.history()
	if len(h) != 3 || h[0].graceful || !h[1].graceful || h[1].prepend != 1+DefaultDrainPrepend || h[2].op != "withdraw" {
		t.Fatalf("speaker calls %+v: want announce, graceful announce (prepend %d), withdraw", h, 1+DefaultDrainPrepend)
	}
	if g := h[2].at.Sub(h[1].at); g < cfg.GracefulWait {
		t.Errorf("withdrawn %v after the graceful-shutdown route, want GracefulWait %v", g, cfg.GracefulWait)
	}
	if end.Before(h[2].at.Add(cfg.DrainWait)) {
		t.Errorf("drain returned %v after start, withdrawal at %v: want DrainWait after it", end.Sub(start), h[2].at.Sub(start))
	}
	if st := a.Status(context.Background()); st.State != StateDrained {
		t.Errorf("state %q after drain, want drained", st.State)
	}
}

// queryStream stands for clients: it adds to a counter every 5 ms until
// stopped, as the DNS server's count of queries from away would grow.
type queryStream struct {
	n    atomic.Uint64
	stop chan struct{}
	once sync.Once
}

func newQueryStream() *queryStream {
	q := &queryStream{stop: make(chan struct{})}
	go func() {
		for {
			select {
			case <-q.stop:
				return
			case <-time.After(5 * time.Millisecond):
				q.n.Add(1)
			}
		}
	}()
	return q
}

func (q *queryStream) Stop() { q.once.Do(func() { close(q.stop) }) }

// TestDrainFollowsTraffic: the withdrawal waits until the queries stop
// (the routers moved the traffic away from the graceful-shutdown route),
// and no longer than GracefulWait when they never stop; after withdrawing,
// Drain keeps serving until the queries stop again or DrainWait passes.
// Without either bound a drain under a stream that never stops would
// never end.
func TestDrainFollowsTraffic(t *testing.T) {
	const quiet = 100 * time.Millisecond
	for _, tc := range []struct {
		name      string
		moveAfter time.Duration // the stream stops this long after the graceful route; 0: never
		// wantWithdraw is when, after the graceful route, the withdrawal
		// may come: not before min, not after max.
		minWithdraw, maxWithdraw time.Duration
		minTotal, maxTotal       time.Duration
	}{
		{name: "traffic moves", moveAfter: 300 * time.Millisecond,
			minWithdraw: 300*time.Millisecond + quiet, maxWithdraw: 900 * time.Millisecond,
			minTotal: 300*time.Millisecond + 2*quiet, maxTotal: 1500 * time.Millisecond},
		{name: "traffic never moves", moveAfter: 0,
			minWithdraw: 800 * time.Millisecond, maxWithdraw: 1400 * time.Millisecond,
			minTotal: 1400 * time.Millisecond, maxTotal: 2500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQueryStream()
			defer q.Stop()
			cfg := drainConfig()
			cfg.GracefulWait, cfg.DrainWait, cfg.DrainQuiet = 800*time.Millisecond, 600*time.Millisecond, quiet
			cfg.Traffic = q.n.Load
			sp := newRecordingSpeaker(false)
			a := startAnnouncer(t, cfg, sp)
			<-sp.started
			waitFor(t, "announcement", 2*time.Second, func() bool { return len(sp.history()) == 1 })
			start := time.Now()
			if tc.moveAfter > 0 {
				time.AfterFunc(tc.moveAfter, q.Stop)
			}
			if err := a.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			total := time.Since(start)
			h := sp.history()
			if len(h) != 3 || !h[1].graceful || h[2].op != "withdraw" {
				t.Fatalf("speaker calls %+v: want announce, graceful announce, withdraw", h)
			}
			withdraw := h[2].at.Sub(start)
			if withdraw < tc.minWithdraw || withdraw > tc.maxWithdraw {
				t.Errorf("withdrawn %v after the drain began, want %v..%v", withdraw, tc.minWithdraw, tc.maxWithdraw)
			}
			if total < tc.minTotal || total > tc.maxTotal {
				t.Errorf("drain took %v, want %v..%v", total, tc.minTotal, tc.maxTotal)
			}
		})
	}
}

// TestUndrainDuringDrain: undraining while the graceful-shutdown route is
// up ends the drain without a withdrawal and announces normally again; a
// second Drain afterwards starts over with graceful shutdown.
func TestUndrainDuringDrain(t *testing.T) {
	cfg := drainConfig()
	cfg.GracefulWait, cfg.DrainWait = 5*time.Second, 100*time.Millisecond
	sp := newRecordingSpeaker(false)
	a := startAnnouncer(t, cfg, sp)
	<-sp.started
	errc := make(chan error, 1)
	go func() { errc <- a.Drain(context.Background()) }()
	waitFor(t, "graceful-shutdown route", 2*time.Second, func() bool { h := sp.history(); return len(h) == 2 && h[1].graceful })
	a.Undrain()
	if err := <-errc; !errors.Is(err, errUndrained) {
		t.Fatalf("drain ended with %v, want undrained", err)
	}
	waitFor(t, "normal route again", 2*time.Second, func() bool { h := sp.history(); return len(h) == 3 && h[2].op == "announce" && !h[2].graceful })
	if st := a.Status(context.Background()); st.State != StateAnnounced {
		t.Errorf("state %q after undrain, want announced", st.State)
	}
}
