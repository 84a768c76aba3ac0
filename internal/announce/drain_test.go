package announce

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// gatedSpeaker records calls; announce blocks until the test opens the gate,
// to hold a reconcile pass in flight.
type gatedSpeaker struct {
	gate      chan struct{}
	started   chan struct{}
	mu        sync.Mutex
	announced bool
	withdrawn time.Time
}

func (g *gatedSpeaker) start(context.Context) error { return nil }
func (g *gatedSpeaker) announce(context.Context, []Prefix) error {
	close(g.started)
	<-g.gate
	g.mu.Lock()
	g.announced = true
	g.mu.Unlock()
	return nil
}
func (g *gatedSpeaker) withdraw(context.Context, []Prefix) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.announced && g.withdrawn.IsZero() {
		g.withdrawn = time.Now()
	}
	g.announced = false
	return nil
}
func (g *gatedSpeaker) peers(context.Context) []PeerStatus { return nil }
func (g *gatedSpeaker) stop(context.Context) error         { return nil }

// TestDrainDuringAnnounce: a drain that starts while an announcement is
// being applied still withdraws it and waits DrainWait, instead of seeing
// "not announced yet" and returning at once.
func TestDrainDuringAnnounce(t *testing.T) {
	cfg := Config{Mode: ModeBIRD, BIRD: BIRDConfig{IncludeFile: "unused", Socket: "unused"},
		Prefixes:  []Prefix{{Prefix: netip.MustParsePrefix("198.51.100.53/32")}},
		Health:    HealthConfig{Interval: 10 * time.Millisecond, Rise: 1},
		DrainWait: 200 * time.Millisecond}
	ok := FuncCheck("ok", func(context.Context) error { return nil })
	a, err := New(cfg, []Check{ok}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sp := &gatedSpeaker{gate: make(chan struct{}), started: make(chan struct{})}
	a.speaker = sp
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
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
	sp.mu.Lock()
	withdrawn := sp.withdrawn
	sp.mu.Unlock()
	if withdrawn.IsZero() || withdrawn.After(end) || end.Sub(start) < cfg.DrainWait {
		t.Fatalf("drain returned after %v, withdrawal at %v: want withdrawn, then DrainWait", end.Sub(start), withdrawn.Sub(start))
	}
	if st := a.Status(context.Background()); st.State != StateDrained {
		t.Errorf("state %q after drain, want drained", st.State)
	}
}
