package hub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// TestKnotZONEMDAccepted: a zone Knot digests (zonemd-generate) passes the
// gate's ZONEMD verification, through both AXFR and IXFR.
func TestKnotZONEMDAccepted(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	opts := primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20))
	opts.ZONEMD = true
	knot := testpeer.StartPrimary(t, opts)
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	// Knot bumps the serial when it adds the ZONEMD: follow its serial.
	th.waitSerial(t, "example.", knotSerial(t, knot.Addr), 10*time.Second)
	hasZONEMD := func() bool {
		for _, rr := range th.Current("example.").Records() {
			if rr.Header().Rrtype == dns.TypeZONEMD {
				return true
			}
		}
		return false
	}
	if !hasZONEMD() {
		t.Fatal("Knot did not add a ZONEMD record; the test proves nothing")
	}
	first := th.Current("example.").Serial()
	knot.WriteZone(testpeer.ZoneText("example.", first+1, 3600, 600, 86400, 21))
	knot.Reload()
	time.Sleep(200 * time.Millisecond)
	th.waitSerial(t, "example.", knotSerial(t, knot.Addr), 10*time.Second)
	if st, _ := th.ZoneStatus("example."); st.Refresh.LastKind != string(xfr.KindIXFR) {
		t.Errorf("second transfer was %s, want IXFR", st.Refresh.LastKind)
	}
	if !hasZONEMD() {
		t.Fatal("ZONEMD missing after IXFR")
	}
}

// TestTransfersNeedNodeKey: without a node's key the hub refuses SOA, AXFR
// and IXFR; with a client's key too (clients are not nodes).
func TestTransfersNeedNodeKey(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 5)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	clientKey, _ := xfr.NewKey("client-key.", "hmac-sha256", clientSecret)
	wrongSecret, _ := xfr.NewKey("node1-key.", "hmac-sha256", clientSecret)
	for name, key := range map[string]*xfr.Key{"unsigned": nil, "client key": clientKey, "node key, wrong secret": wrongSecret} {
		c := xfr.Client{Key: key, Timeout: 2 * time.Second}
		_, err := c.AXFR(context.Background(), th.addr, "example.")
		var re *xfr.RcodeError
		if !errors.As(err, &re) || re.Rcode != dns.RcodeRefused {
			t.Errorf("%s: AXFR err = %v, want REFUSED", name, err)
		}
		_, err = c.QuerySOA(context.Background(), th.addr, "example.")
		if !errors.As(err, &re) || re.Rcode != dns.RcodeRefused {
			t.Errorf("%s: SOA err = %v, want REFUSED", name, err)
		}
	}
	good := xfr.Client{Key: th.nodeKey, Timeout: 2 * time.Second}
	if r, err := good.AXFR(context.Background(), th.addr, "example."); err != nil || r.Version.Len() != 15 {
		t.Fatalf("node key AXFR: %v %v", r, err)
	}
}

// TestEDNSExpire: the hub reports what is left of its own expire timer
// (RFC 7314), not the SOA EXPIRE again.
func TestEDNSExpire(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 5)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	knot.Stop()
	time.Sleep(1100 * time.Millisecond)
	c := xfr.Client{Key: th.nodeKey, Timeout: 2 * time.Second}
	ans, err := c.QuerySOA(context.Background(), th.addr, "example.")
	if err != nil {
		t.Fatal(err)
	}
	if ans.Expire == nil || *ans.Expire >= 86400 || *ans.Expire < 86000 {
		t.Fatalf("EDNS EXPIRE = %v, want a little under 86400", ans.Expire)
	}
}

// TestRestartServesFromDisk: a restarted hub serves the stored version and
// its journal (IXFR to nodes) before reaching any primary.
func TestRestartServesFromDisk(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 5)))
	yaml := hubYAML(hubPort, dir, []string{knot.Addr}, "")
	th := startHub(t, dir, hubPort, yaml)
	th.waitSerial(t, "example.", 1, 10*time.Second)
	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 6))
	knot.Reload()
	th.waitSerial(t, "example.", 2, 10*time.Second)
	th.stop()
	knot.Stop()

	th2 := startHub(t, dir, hubPort, yaml)
	if v := th2.Current("example."); v == nil || v.Serial() != 2 {
		t.Fatalf("restarted hub serves %v, want serial 2 from disk", v)
	}
	c := xfr.Client{Key: th2.nodeKey, Timeout: 2 * time.Second}
	r, err := c.IXFR(context.Background(), th2.addr, soaWithSerial(th2.Current("example.").SOA(), 1))
	if err != nil || r.Kind != xfr.KindIXFR || len(r.Deltas) != 1 {
		t.Fatalf("IXFR from the restarted hub's journal: %+v %v", r, err)
	}
}

func knotSerial(t *testing.T, addr string) uint32 {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion("example.", dns.TypeSOA)
	r, err := dns.Exchange(q, addr)
	if err != nil || len(r.Answer) == 0 {
		t.Fatalf("SOA from %s: %v %v", addr, r, err)
	}
	return r.Answer[0].(*dns.SOA).Serial
}
