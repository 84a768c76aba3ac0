package announce

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Check is one health probe. It returns nil when the node is fine in that
// respect, and an error saying what is wrong otherwise.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Health is the monitor's current verdict.
type Health struct {
	Healthy bool      `json:"healthy"`
	Damped  bool      `json:"damped"`
	Reason  string    `json:"reason,omitempty"`
	Since   time.Time `json:"since"`
	// Failing lists the checks that failed in the latest round.
	Failing map[string]string `json:"failing,omitempty"`
}

// monitor runs the checks every interval and reports verdict changes.
type monitor struct {
	cfg    HealthConfig
	checks []Check
	log    *slog.Logger
	notify func(Health)

	mu    sync.Mutex
	state Health
	hyst  hysteresis
	damp  damper
}

func newMonitor(cfg HealthConfig, checks []Check, log *slog.Logger, notify func(Health)) *monitor {
	return &monitor{
		cfg: cfg, checks: checks, log: log, notify: notify,
		state: Health{Reason: "starting: waiting for health checks", Since: time.Now()},
		hyst:  hysteresis{rise: cfg.Rise, fall: cfg.Fall},
		damp:  damper{max: cfg.MaxFlaps, window: cfg.FlapWindow},
	}
}

// run checks until ctx ends.
func (m *monitor) run(ctx context.Context) {
	t := time.NewTicker(m.cfg.Interval)
	defer t.Stop()
	for {
		m.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round runs every check once and feeds the combined result to the
// hysteresis.
func (m *monitor) round(ctx context.Context) {
	failing := m.runChecks(ctx)
	if ctx.Err() != nil {
		return
	}
	m.mu.Lock()
	next, changed := m.apply(len(failing) == 0, failing, time.Now())
	m.mu.Unlock()
	if changed {
		m.log.Info("health changed", "healthy", next.Healthy, "damped", next.Damped, "reason", next.Reason)
		m.notify(next)
	}
}

func (m *monitor) runChecks(ctx context.Context) map[string]string {
	failing := map[string]string{}
	for _, c := range m.checks {
		cctx, cancel := context.WithTimeout(ctx, m.cfg.Interval)
		if err := c.Run(cctx); err != nil {
			failing[c.Name] = err.Error()
		}
		cancel()
	}
	return failing
}

// apply updates the state with one round's result; the caller holds mu.
func (m *monitor) apply(ok bool, failing map[string]string, now time.Time) (Health, bool) {
	prev := m.state
	if m.hyst.observe(ok) && !m.hyst.healthy {
		m.damp.lost(now)
	}
	damped, until := m.damp.damped(now)
	next := Health{Healthy: m.hyst.healthy, Damped: damped, Failing: failing, Since: prev.Since}
	next.Reason = reasonFor(next, until, m.hyst)
	if next.Healthy != prev.Healthy || next.Damped != prev.Damped {
		next.Since = now
	}
	m.state = next
	return next, next.Healthy != prev.Healthy || next.Damped != prev.Damped
}

func reasonFor(h Health, dampedUntil time.Time, hy hysteresis) string {
	switch {
	case h.Damped:
		return fmt.Sprintf("flapping: held withdrawn until %s", dampedUntil.UTC().Format(time.RFC3339))
	case !h.Healthy && len(h.Failing) == 0:
		return fmt.Sprintf("recovering: %d of %d good checks", hy.run, hy.rise)
	case !h.Healthy:
		return "unhealthy: " + joinFailing(h.Failing)
	case len(h.Failing) > 0:
		return "healthy, but failing: " + joinFailing(h.Failing)
	}
	return "healthy"
}

func joinFailing(f map[string]string) string {
	parts := make([]string, 0, len(f))
	for _, name := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, name+": "+f[name])
	}
	return strings.Join(parts, "; ")
}

// current returns the latest verdict.
func (m *monitor) current() Health {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}
