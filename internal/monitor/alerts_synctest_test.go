package monitor

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The real Monitor.Run loop on synctest's virtual clock. Its configuration
// has a node but no zones and no status, metrics or unicast addresses, so
// a round touches no network; the node's state comes from SetNodeState and
// one-off events from Report, at exact virtual times. Alert changes reach
// an in-memory webhook (recordSink) at once (far below the webhook burst).
func TestAlertTiming_synctest(t *testing.T) {
	type step struct {
		at    time.Duration
		state string // SetNodeState("n1", state); "event": Report an event
	}
	tests := []struct {
		name    string
		alerts  AlertConfig
		steps   []step
		horizon time.Duration
		want    []string
	}{
		// Rounds every 30s at 0, 30, 60 ...: withdrawn from 45s is bad at
		// 60 and 90, so fires at 90 (RaiseAfter 2); announced from 200s is
		// good at 210, 240, 270, so resolves at 270 (ClearAfter 3).
		{"fires after RaiseAfter rounds, resolves after ClearAfter", AlertConfig{RaiseAfter: 2, ClearAfter: 3},
			[]step{{45 * time.Second, "withdrawn"}, {200 * time.Second, "announced"}}, 6 * time.Minute,
			[]string{"node_withdrawn/n1 firing @1m30s", "node_withdrawn/n1 resolved @4m30s"}},
		// Bad at 60 only, then good: never fires.
		{"one bad round fires nothing", AlertConfig{RaiseAfter: 2, ClearAfter: 3},
			[]step{{45 * time.Second, "withdrawn"}, {75 * time.Second, "announced"}}, 6 * time.Minute, nil},
		// Bad at 60 and 90, good at 120, bad at 150: fired at 90, and one
		// good round between two bad ones does not resolve it.
		{"one good round resolves nothing", AlertConfig{RaiseAfter: 2, ClearAfter: 3},
			[]step{{45 * time.Second, "withdrawn"}, {105 * time.Second, "announced"}, {135 * time.Second, "withdrawn"}}, 6 * time.Minute,
			[]string{"node_withdrawn/n1 firing @1m30s"}},
		// Rounds before 100s of grace do not count: bad at 120 and 150.
		{"grace after start", AlertConfig{RaiseAfter: 2, ClearAfter: 3, Grace: 100 * time.Second},
			[]step{{0, "withdrawn"}}, 3 * time.Minute,
			[]string{"node_withdrawn/n1 firing @2m30s"}},
		// An event fires at once and resolves at the first round strictly
		// after its hold: 5s + 60s = 65s, so the round at 90s.
		{"event resolves at the first round after its hold", AlertConfig{HoldEvent: time.Minute},
			[]step{{5 * time.Second, "event"}}, 3 * time.Minute,
			[]string{"catchment_changed/n1 firing @5s", "catchment_changed/n1 resolved @1m30s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log := slog.New(slog.NewTextHandler(io.Discard, nil))
				m := New(Config{Interval: 30 * time.Second, Nodes: []NodeConfig{{Name: "n1"}}, Alerts: tt.alerts}, log)
				sink := &recordSink{start: time.Now()}
				m.dispatch = newDispatcher(log, sink)
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error, 1)
				go func() { done <- m.Run(ctx) }()
				for _, s := range tt.steps {
					time.Sleep(s.at - time.Since(sink.start))
					if s.state == "event" {
						m.Report("catchment_changed", "n1", "warning", "moved")
					} else {
						m.SetNodeState("n1", s.state, "test")
					}
				}
				time.Sleep(tt.horizon - time.Since(sink.start))
				cancel()
				if err := <-done; err != nil {
					t.Fatalf("Run: %v", err)
				}
				synctest.Wait()
				if got := sink.deliveries(); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
					t.Fatalf("alert changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
			})
		})
	}
}
