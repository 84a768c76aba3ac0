package hub

import (
	"context"
	"testing"
	"time"

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// TestKnotPrimaryIXFRAndNotify: the hub pulls a zone from a real Knot
// primary with TSIG, then a change at Knot (new serial, NOTIFY) arrives by
// IXFR, and a node key fetches the difference from the hub's journal.
func TestKnotPrimaryIXFRAndNotify(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)

	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 21))
	knot.Reload()
	start := time.Now()
	th.waitSerial(t, "example.", 2, 10*time.Second)
	t.Logf("change at Knot reached the hub in %v", time.Since(start))
	st, _ := th.ZoneStatus("example.")
	if st.Refresh.LastKind != string(xfr.KindIXFR) {
		t.Errorf("second transfer was %q, want IXFR", st.Refresh.LastKind)
	}

	c := xfr.Client{Key: th.nodeKey, Timeout: 2 * time.Second}
	v1 := th.Current("example.")
	r, err := c.IXFR(context.Background(), th.addr, soaWithSerial(v1.SOA(), 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != xfr.KindIXFR || len(r.Deltas) != 1 || len(r.Deltas[0].Added) != 2 || len(r.Deltas[0].Deleted) != 0 {
		t.Fatalf("IXFR from the hub: kind %s deltas %+v", r.Kind, r.Deltas)
	}
}
