package announce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The health monitor runs on synctest's virtual clock with a check whose
// result is a function of virtual time, so each rise, fall and hold-down
// happens at an exact instant. Each verdict is written as the route the
// announcer derives from it (desired: withdrawn while unhealthy or damped).
func TestFlapDamping_synctest(t *testing.T) {
	// flap is bad for 20s of every 40s from 40s until stop.
	flap := func(stop time.Duration) func(time.Duration) bool {
		return func(at time.Duration) bool {
			return at < 40*time.Second || at >= stop || (at-40*time.Second)%(40*time.Second) >= 20*time.Second
		}
	}
	tests := []struct {
		name    string
		ok      func(at time.Duration) bool
		horizon time.Duration
		want    []string
	}{
		{"rise after 2 good rounds, one bad probe moves nothing",
			func(at time.Duration) bool { return at != 40*time.Second }, 2 * time.Minute,
			[]string{"announced@10s"}},
		{"fall after 2 bad rounds, rise after 2 good",
			func(at time.Duration) bool { return at < 40*time.Second || at >= 60*time.Second }, 2 * time.Minute,
			[]string{"announced@10s", "withdrawn@50s", "announced@1m10s"}},
		{"two flaps in the window: not damped",
			flap(120 * time.Second), 10 * time.Minute,
			[]string{"announced@10s", "withdrawn@50s", "announced@1m10s", "withdrawn@1m30s", "announced@1m50s"}},
		// Losses at 50s, 90s, 130s: the third exceeds MaxFlaps=2 within the
		// 5m window, so the route stays withdrawn although the checks are
		// good again from 140s, until the first loss leaves the window:
		// 50s+5m = 350s.
		{"third flap held down until the oldest loss leaves the window",
			flap(140 * time.Second), 10 * time.Minute,
			[]string{"announced@10s", "withdrawn@50s", "announced@1m10s", "withdrawn@1m30s", "announced@1m50s",
				"withdrawn+damped@2m10s", "withdrawn+damped(checks good)@2m30s", "announced@5m50s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var mu sync.Mutex
				var got, damped []string
				cfg := HealthConfig{Interval: 10 * time.Second, Rise: 2, Fall: 2, MaxFlaps: 2, FlapWindow: 5 * time.Minute}
				check := Check{Name: "dns", Run: func(context.Context) error {
					if tt.ok(time.Since(start)) {
						return nil
					}
					return errors.New("no answer")
				}}
				m := newMonitor(cfg, []Check{check}, slog.New(slog.DiscardHandler), func(h Health) {
					route := "withdrawn"
					if h.Healthy && !h.Damped {
						route = "announced"
					}
					if h.Damped {
						route += "+damped"
						damped = append(damped, h.Reason)
						if h.Healthy {
							route += "(checks good)"
						}
					}
					mu.Lock()
					got = append(got, fmt.Sprintf("%s@%v", route, time.Since(start)))
					mu.Unlock()
				})
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { defer close(done); m.run(ctx) }()
				time.Sleep(tt.horizon)
				cancel()
				<-done
				if strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Fatalf("route changes\n %s\nwant\n %s", strings.Join(got, " "), strings.Join(tt.want, " "))
				}
				// The operator is told the end of the hold-down: 350s.
				until := "until " + start.Add(350*time.Second).UTC().Format(time.RFC3339)
				for _, r := range damped {
					if !strings.Contains(r, until) {
						t.Errorf("damped reason %q does not say %q", r, until)
					}
				}
			})
		})
	}
}
