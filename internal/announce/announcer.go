package announce

import (
	"context"
	"errors"
	"fmt"
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
	mu        sync.Mutex
	drained   bool
	announced bool
	state     string
	reason    string
	since     time.Time
	lastErr   string
	applied   chan struct{}
	running   bool
	// withdrawals counts applied withdrawals, so Drain knows whether it
	// took something down even when it never saw it announced.
	withdrawals uint64
}

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
	a.record(false, StateWithdrawn, "stopped", nil)
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
	have := a.announced
	a.mu.Unlock()
	if want == have {
		a.record(have, state, reason, nil)
		return
	}
	var err error
	if want {
		err = a.speaker.announce(ctx, a.cfg.Prefixes)
	} else {
		err = a.speaker.withdraw(ctx, a.cfg.Prefixes)
	}
	if err != nil {
		a.log.Error("applying announcement", "announce", want, "err", err)
		a.record(have, a.stateName(have), reason, err)
		return
	}
	a.log.Info("announcement changed", "state", state, "reason", reason)
	a.record(want, state, reason, nil)
}

// desired derives what should be announced from health and drain.
func (a *Announcer) desired() (bool, string, string) {
	h := a.monitor.current()
	a.mu.Lock()
	drained := a.drained
	a.mu.Unlock()
	switch {
	case drained:
		return false, StateDrained, "drained by operator"
	case h.Damped || !h.Healthy:
		return false, StateWithdrawn, h.Reason
	}
	return true, StateAnnounced, h.Reason
}

func (a *Announcer) stateName(announced bool) string {
	if announced {
		return StateAnnounced
	}
	return StateWithdrawn
}

// record stores the outcome and wakes anyone waiting for it.
func (a *Announcer) record(announced bool, state, reason string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if state != a.state {
		a.since = time.Now()
	}
	if a.announced && !announced {
		a.withdrawals++
	}
	a.announced, a.state, a.reason = announced, state, reason
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

// Drain withdraws the prefixes, waits DrainWait so that routers converge and
// in-flight queries are answered, and returns; the caller then stops the
// node. A drained announcer stays withdrawn until Undrain. When nothing was
// announced there is no traffic to move and Drain returns without waiting.
func (a *Announcer) Drain(ctx context.Context) error {
	a.mu.Lock()
	a.drained = true
	a.mu.Unlock()
	withdrew, err := a.waitWithdrawn(ctx)
	if err != nil || !withdrew {
		return err
	}
	a.log.Info("drained: waiting for traffic to move", "wait", a.cfg.DrainWait)
	select {
	case <-ctx.Done():
		return fmt.Errorf("drain: %w", ctx.Err())
	case <-time.After(a.cfg.DrainWait):
		return nil
	}
}

// Undrain lets health decide again.
func (a *Announcer) Undrain() {
	a.mu.Lock()
	a.drained = false
	a.mu.Unlock()
	a.nudge()
}

// waitWithdrawn blocks until the reconcile goroutine has applied the
// withdrawal (or nothing was running to withdraw), and reports whether the
// prefixes were announced on the way. It first waits for one reconcile pass
// to complete after the caller set drained: a pass already announcing when
// Drain was called has not recorded it yet.
func (a *Announcer) waitWithdrawn(ctx context.Context) (bool, error) {
	a.mu.Lock()
	before := a.withdrawals
	a.mu.Unlock()
	withdrew := false
	for pass := 0; ; pass++ {
		a.nudge()
		a.mu.Lock()
		announced, running, ch := a.announced, a.running, a.applied
		withdrew = withdrew || announced || a.withdrawals != before
		a.mu.Unlock()
		if !running || (pass > 0 && !announced) {
			return withdrew, nil
		}
		select {
		case <-ctx.Done():
			return withdrew, fmt.Errorf("drain: waiting for withdrawal: %w", ctx.Err())
		case <-ch:
		}
	}
}
