package announce

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Announcement states shown in Status.
const (
	StateAnnounced = "announced"
	StateWithdrawn = "withdrawn"
	StateDrained   = "drained"
)

// reconcileRetry is how often a failed speaker operation is retried.
const reconcileRetry = time.Second

// Announcer announces the service prefixes while the node is healthy and not
// drained, and withdraws them otherwise.
type Announcer struct {
	cfg     Config
	log     *slog.Logger
	speaker speaker
	monitor *monitor

	wake chan struct{} // nudges the reconcile goroutine
	// applied is closed and replaced each time the reconcile goroutine
	// has brought the speaker in line with the desired state.
	mu      sync.Mutex
	drain   drainPhase
	undrain uint64 // counts Undrain calls, so a waiting Drain can stop
	have    routeMode
	state   string
	reason  string
	since   time.Time
	lastErr string
	applied chan struct{}
	running bool
	// withdrawals counts applied withdrawals, so Drain knows whether it
	// took something down even when it never saw it announced.
	withdrawals uint64
}

// routeMode is what the speaker has been told to say.
type routeMode int

const (
	routeOff      routeMode = iota // withdrawn
	routeNormal                    // announced as configured
	routeGraceful                  // announced with GRACEFUL_SHUTDOWN and more prepends (draining)
)

// drainPhase is where a drain is (RFC 8326: first graceful, then withdrawn).
type drainPhase int

const (
	drainNone drainPhase = iota
	drainGraceful
	drainWithdrawn
)

// New checks cfg and prepares an announcer; Run starts it.
func New(cfg Config, checks []Check, log *slog.Logger) (*Announcer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Announcer{
		cfg: cfg, log: log, wake: make(chan struct{}, 1), applied: make(chan struct{}),
		state: StateWithdrawn, reason: "not started", since: time.Now(),
	}
	a.monitor = newMonitor(cfg.Health, checks, log.With("part", "health"), func(Health) { a.nudge() })
	if cfg.Mode == ModeBIRD {
		a.speaker = newBIRDSpeaker(cfg, log)
	} else {
		a.speaker = newGoBGPSpeaker(cfg, log)
	}
	return a, nil
}

// Run starts the speaker and the health checks, and reconciles until ctx
// ends; then it withdraws and stops the speaker (closing the BGP sessions,
// which withdraws at the peers too).
func (a *Announcer) Run(ctx context.Context) error {
	if a.cfg.ManageLoopback {
		if err := AddLoopbackAddresses(a.cfg.LoopbackAddresses); err != nil {
			return err
		}
	}
	if err := a.speaker.start(ctx); err != nil {
		return err
	}
	a.setRunning(true)
	hctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.monitor.run(hctx) }()
	a.reconcileLoop(ctx)
	cancel()
	wg.Wait()
	return a.shutdown()
}

func (a *Announcer) shutdown() error {
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.setRunning(false)
	werr := a.speaker.withdraw(sctx, a.cfg.Prefixes)
	a.record(routeOff, StateWithdrawn, "stopped", nil)
	return errors.Join(werr, a.speaker.stop(sctx))
}

// reconcileLoop is the only place that talks to the speaker while running.
func (a *Announcer) reconcileLoop(ctx context.Context) {
	retry := time.NewTicker(reconcileRetry)
	defer retry.Stop()
	for {
		a.reconcile(ctx)
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-retry.C:
		}
	}
}

// reconcile compares the desired state with what was last applied.
func (a *Announcer) reconcile(ctx context.Context) {
	want, state, reason := a.desired()
	a.mu.Lock()
	have := a.have
	a.mu.Unlock()
	if want == have {
		a.record(have, state, reason, nil)
		return
	}
	var err error
	switch want {
	case routeNormal:
		err = a.speaker.announce(ctx, a.cfg.Prefixes)
	case routeGraceful:
		err = a.speaker.announce(ctx, GracefulShutdown(a.cfg.Prefixes, a.cfg.DrainPrepend))
	default:
		err = a.speaker.withdraw(ctx, a.cfg.Prefixes)
	}
	if err != nil {
		a.log.Error("applying announcement", "want", want.String(), "err", err)
		a.record(have, a.stateName(have), reason, err)
		return
	}
	a.log.Info("announcement changed", "state", state, "route", want.String(), "reason", reason)
	a.record(want, state, reason, nil)
}

// desired derives what should be announced from health and drain. A
// draining node that turns unhealthy withdraws at once: it must not keep
// even a depreferred route to a server that does not answer.
func (a *Announcer) desired() (routeMode, string, string) {
	h := a.monitor.current()
	a.mu.Lock()
	phase := a.drain
	a.mu.Unlock()
	switch {
	case h.Damped || !h.Healthy:
		if phase != drainNone {
			return routeOff, StateDrained, "drained by operator; " + h.Reason
		}
		return routeOff, StateWithdrawn, h.Reason
	case phase == drainGraceful:
		return routeGraceful, StateDrained, "drained by operator: graceful shutdown (RFC 8326), waiting for the traffic to move"
	case phase == drainWithdrawn:
		return routeOff, StateDrained, "drained by operator"
	}
	return routeNormal, StateAnnounced, h.Reason
}

func (m routeMode) String() string {
	return [...]string{"withdrawn", "announced", "graceful-shutdown"}[m]
}

func (a *Announcer) stateName(m routeMode) string {
	if m == routeOff {
		return StateWithdrawn
	}
	return StateAnnounced
}

// record stores the outcome and wakes anyone waiting for it.
func (a *Announcer) record(m routeMode, state, reason string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if state != a.state {
		a.since = time.Now()
	}
	if a.have != routeOff && m == routeOff {
		a.withdrawals++
	}
	a.have, a.state, a.reason = m, state, reason
	a.lastErr = ""
	if err != nil {
		a.lastErr = err.Error()
		return
	}
	close(a.applied)
	a.applied = make(chan struct{})
}

func (a *Announcer) nudge() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *Announcer) setRunning(v bool) {
	a.mu.Lock()
	a.running = v
	a.mu.Unlock()
}
