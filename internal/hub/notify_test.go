package hub

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
)

// TestNotifyRetriedUntilAcknowledged: a node that is down when a version
// arrives gets the NOTIFY once it is back.
func TestNotifyRetriedUntilAcknowledged(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 5)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	nodeAddr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	th.reloadWith(t, func(s string) string {
		return replaceOnce(t, s, fmt.Sprintf("address: 127.0.0.1:%d", hubPort+1), "address: "+nodeAddr)
	})
	time.Sleep(1500 * time.Millisecond) // at least one failed attempt: nothing listens on the node's port
	if th.notifier.Pending()["node1"] == 0 {
		t.Fatal("no NOTIFY pending for the absent node")
	}

	var got atomic.Int32
	up := make(chan struct{})
	s := &dns.Server{Addr: nodeAddr, Net: "udp", NotifyStartedFunc: func() { close(up) },
		MsgAcceptFunc: acceptNotifyAndQueries,
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			got.Add(1)
			m := new(dns.Msg)
			m.SetReply(r)
			w.WriteMsg(m)
		})}
	failed := make(chan error, 1)
	go func() { failed <- s.ListenAndServe() }()
	select {
	case <-up:
	case err := <-failed:
		t.Fatalf("stand-in node: %v", err)
	}
	defer s.Shutdown()
	deadline := time.Now().Add(10 * time.Second)
	for th.notifier.Pending()["node1"] != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("NOTIFY still pending 10s after the node came back\n%s", th.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.Load() == 0 {
		t.Fatal("pending cleared without the node receiving a NOTIFY")
	}
}
