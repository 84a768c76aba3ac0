package announce

import (
	"testing"
	"time"
)

func TestHysteresis(t *testing.T) {
	tests := []struct {
		name    string
		results string // g = good, b = bad
		want    string // verdict after each result: H healthy, U unhealthy
	}{
		{"rise needs two goods", "gg", "UH"},
		{"one good is not enough", "gbg", "UUU"},
		{"fall needs three bads", "ggbbb", "UHHHU"},
		{"a good resets the bad run", "ggbbgbb", "UHHHHHH"},
		{"recovery needs two goods again", "ggbbbgbgg", "UHHHUUUUH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := hysteresis{rise: 2, fall: 3}
			got := make([]byte, 0, len(tc.results))
			for _, r := range tc.results {
				h.observe(r == 'g')
				if h.healthy {
					got = append(got, 'H')
				} else {
					got = append(got, 'U')
				}
			}
			if string(got) != tc.want {
				t.Errorf("verdicts %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDamper(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		losses []time.Duration // offsets from t0
		at     time.Duration
		damped bool
	}{
		{"below the limit", []time.Duration{0, time.Second}, 2 * time.Second, false},
		{"at the limit", []time.Duration{0, 1, 2}, 3 * time.Second, false},
		{"over the limit", []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}, 4 * time.Second, true},
		{"old losses age out", []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}, 61 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := damper{max: 3, window: time.Minute}
			for _, off := range tc.losses {
				d.lost(t0.Add(off))
			}
			got, _ := d.damped(t0.Add(tc.at))
			if got != tc.damped {
				t.Errorf("damped = %v, want %v", got, tc.damped)
			}
		})
	}
}
