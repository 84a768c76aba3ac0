package faults

import (
	"path/filepath"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// TestClockSkewBADTIME: a primary whose clock is an hour off, beyond the
// 300 s TSIG fudge. Whether the primary refuses the hub's request (BADTIME
// with its own time, RFC 8945 5.2.3) or the hub refuses the primary's
// answer, the version in service stays and the refresh error says which
// clock is ahead and by how much. Once the clock is right again, the next
// refresh brings the new version.
func TestClockSkewBADTIME(t *testing.T) {
	cases := []struct {
		name   string
		behave int32
		skew   time.Duration
		want   string
	}{
		{"primary refuses our request", behaveSkewed, time.Hour, "reports TSIG BADTIME: the server's clock is 1h0m0s ahead of ours"},
		{"primary refuses our request, clock behind", behaveSkewed, -2 * time.Hour, "reports TSIG BADTIME: the server's clock is 2h0m0s behind ours"},
		{"hub refuses the primary's answer", behaveGood, time.Hour, "failed verification: TSIG BADTIME: the server's clock is 1h0m0s ahead of ours"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := startStandin(t)
			dir := t.TempDir()
			h := startHubIn(t, dir, hubConfig(testpeer.FreeAddr(t), filepath.Join(dir, "storage"), p.addr, testpeer.FreeAddr(t), ""))
			h.waitServing(t, 1, 10*time.Second)
			p.skew.Store(int64(c.skew))
			p.behave.Store(c.behave)
			p.serial.Store(2)
			msg := h.waitError(t, c.want, 10*time.Second)
			t.Logf("refresh error: %s", msg)
			if v := h.Current("example."); v == nil || v.Serial() != 1 {
				t.Fatalf("version in service changed: %v", v)
			}
			fixed := time.Now()
			p.skew.Store(0)
			p.behave.Store(behaveGood)
			h.waitServing(t, 2, 10*time.Second)
			t.Logf("clock fixed: serial 2 in service %v later", time.Since(fixed).Round(time.Millisecond))
		})
	}
}
