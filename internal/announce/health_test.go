package announce

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestMonitorDampsFlapping feeds a node that fails and recovers over and
// over: after MaxFlaps losses within the window it stays withdrawn.
func TestMonitorDampsFlapping(t *testing.T) {
	cfg := HealthConfig{Rise: 2, Fall: 3, MaxFlaps: 2, FlapWindow: time.Minute, Interval: 250 * time.Millisecond}
	m := newMonitor(cfg, nil, slog.New(slog.DiscardHandler), func(Health) {})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feed := func(results string) Health {
		var h Health
		for _, r := range results {
			now = now.Add(cfg.Interval)
			failing := map[string]string{}
			if r == 'b' {
				failing["dns"] = "timeout"
			}
			h, _ = m.apply(r == 'g', failing, now)
		}
		return h
	}
	if h := feed("gg"); !h.Healthy || h.Damped {
		t.Fatalf("after two goods: %+v", h)
	}
	if h := feed("bbb"); h.Healthy || !strings.Contains(h.Reason, "dns: timeout") {
		t.Fatalf("after three bads: %+v", h)
	}
	feed("gg" + "bbb" + "gg" + "bbb") // losses 2 and 3
	h := feed("gg")
	if !h.Healthy || !h.Damped || !strings.HasPrefix(h.Reason, "flapping") {
		t.Fatalf("after three losses in a minute: %+v, want healthy but damped", h)
	}
	now = now.Add(time.Minute)
	if h := feed("g"); h.Damped {
		t.Errorf("still damped after the window: %+v", h)
	}
}
