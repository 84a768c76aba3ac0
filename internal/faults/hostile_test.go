package faults

import (
	"path/filepath"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// TestHostilePrimary: a primary that streams an AXFR without end, or
// trickles one forever, is cut off at the hub's limits; the version in
// service stays, and the refresh error says which limit and where to set
// it.
func TestHostilePrimary(t *testing.T) {
	cases := []struct {
		name, limits, want string
		behave             int32
		within             time.Duration
	}{
		{"endless by records", "limits: {max-transfer-records: 50000}\n", "more than 50000 records", behaveEndless, 15 * time.Second},
		{"endless by size", "limits: {max-transfer-megabytes: 2}\n", "more than 2 MiB", behaveEndless, 15 * time.Second},
		{"trickle by time", "limits: {max-transfer-time: 2s}\n", "still going after 2s", behaveTrickle, 15 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := startStandin(t)
			dir := t.TempDir()
			h := startHubIn(t, dir, hubConfig(testpeer.FreeAddr(t), filepath.Join(dir, "storage"), p.addr, testpeer.FreeAddr(t), c.limits))
			h.waitServing(t, 1, 10*time.Second)
			p.behave.Store(c.behave)
			p.serial.Store(2)
			start := time.Now()
			msg := h.waitError(t, c.want, c.within)
			select {
			case <-p.cut:
			case <-time.After(5 * time.Second):
				t.Errorf("the hub did not hang up on the primary")
			}
			t.Logf("cut after %v, %d records streamed: %s", time.Since(start).Round(time.Millisecond), p.sent.Load(), msg)
			if v := h.Current("example."); v == nil || v.Serial() != 1 {
				t.Errorf("version in service changed: %v", v)
			}
		})
	}
}
