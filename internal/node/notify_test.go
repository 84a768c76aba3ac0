package node

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

const catalogZone = "catalog.anycloud."

// fakeHub serves a one-entry catalog on loopback, signed with the node's
// key, and counts the SOA queries the node sends: each is one refresh.
type fakeHub struct {
	addr string
	soa  atomic.Int64
	axfr atomic.Int64
}

func startFakeHub(t *testing.T, key *xfr.Key) *fakeHub {
	t.Helper()
	return startFakeHubAt(t, key, "127.0.0.1")
}

func startFakeHubAt(t *testing.T, key *xfr.Key, ip string) *fakeHub {
	t.Helper()
	h := &fakeHub{addr: fmt.Sprintf("%s:%d", ip, testpeer.FreePort(t))}
	soa, _ := dns.NewRR(catalogZone + " 0 IN SOA invalid. invalid. 1 3600 3600 86400 0")
	ns, _ := dns.NewRR(catalogZone + " 0 IN NS invalid.")
	ver, _ := dns.NewRR("version." + catalogZone + " 0 IN TXT \"2\"")
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		switch req.Question[0].Qtype {
		case dns.TypeSOA:
			h.soa.Add(1)
			m.Answer = []dns.RR{soa}
		case dns.TypeAXFR:
			h.axfr.Add(1)
			m.Answer = []dns.RR{soa, ns, ver, soa}
		default:
			m.Rcode = dns.RcodeRefused
		}
		if t := req.IsTsig(); t != nil && w.TsigStatus() == nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
		}
		w.WriteMsg(m)
	})
	for _, network := range []string{"udp", "tcp"} {
		started := make(chan struct{})
		s := &dns.Server{Addr: h.addr, Net: network, Handler: handler, TsigProvider: xfr.Provider(key),
			NotifyStartedFunc: func() { close(started) }}
		go s.ListenAndServe()
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("fake hub did not start")
		}
		t.Cleanup(func() { s.Shutdown() })
	}
	return h
}

// sendNotify sends a NOTIFY for zone from loopback (the hub's address)
// signed with key (nil: unsigned) and returns the answer.
func sendNotify(t *testing.T, addr, zone string, key *xfr.Key) *dns.Msg {
	t.Helper()
	return sendNotifyFrom(t, "127.0.0.1", addr, zone, key)
}

// sendNotifyFrom is sendNotify from the loopback address src.
func sendNotifyFrom(t *testing.T, src, addr, zone string, key *xfr.Key) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetNotify(zone)
	wire, err := q.Pack()
	var mac string
	if key != nil {
		q.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
		wire, mac, err = dns.TsigGenerateWithProvider(q, xfr.Provider(key), "", false)
	}
	if err != nil {
		t.Fatal(err)
	}
	d := net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(wire); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no answer to NOTIFY: %v", err)
	}
	resp := new(dns.Msg)
	if err := resp.Unpack(buf[:n]); err != nil {
		t.Fatal(err)
	}
	if key != nil && resp.Rcode == dns.RcodeSuccess {
		if err := dns.TsigVerifyWithProvider(buf[:n], xfr.Provider(key), mac, false); err != nil {
			t.Errorf("answer to a signed NOTIFY does not verify: %v", err)
		}
	}
	return resp
}

// TestNotifyNeedsTSIG: a NOTIFY from the hub's address counts only when
// signed with the node's hub key; unsigned or badly signed ones are refused
// and make the node ask nothing (the fake hub sees no SOA query).
func TestNotifyNeedsTSIG(t *testing.T) {
	key, err := xfr.NewKey("node1-key.", "hmac-sha256", nodeSecret)
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret, _ := xfr.NewKey("node1-key.", "hmac-sha256", clientSecret)
	wrongName, _ := xfr.NewKey("other-key.", "hmac-sha256", nodeSecret)
	hub := startFakeHub(t, key)
	n := startNodeAt(t, hub.addr)
	settle(t, hub)

	for _, tc := range []struct {
		name     string
		key      *xfr.Key
		rcode    int
		refreshs int64
	}{
		{"unsigned", nil, dns.RcodeRefused, 0},
		{"wrong secret", wrongSecret, dns.RcodeNotAuth, 0},
		{"unknown key", wrongName, dns.RcodeNotAuth, 0},
		{"signed by the hub key", key, dns.RcodeSuccess, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := hub.soa.Load()
			resp := sendNotify(t, n, catalogZone, tc.key)
			if resp.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tc.rcode])
			}
			time.Sleep(1500 * time.Millisecond) // past notifyGap: any refresh has run
			if got := hub.soa.Load() - before; got != tc.refreshs {
				t.Errorf("%d refreshes of the catalog, want %d", got, tc.refreshs)
			}
		})
	}
}

// TestNotifyPerHubKey: with two hubs, a NOTIFY counts only when signed
// with the key of the hub whose address it comes from: hub B's own key
// from hub B wakes the zone (which then asks both hubs), hub A's key from
// hub B's address, or B's from A's, is refused and asks nothing.
func TestNotifyPerHubKey(t *testing.T) {
	keyA, err := xfr.NewKey("node1-key.", "hmac-sha256", nodeSecret)
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := xfr.NewKey("node1-b-key.", "hmac-sha256", nodeSecretB)
	if err != nil {
		t.Fatal(err)
	}
	hubA, hubB := startFakeHubAt(t, keyA, "127.0.0.1"), startFakeHubAt(t, keyB, "127.0.0.2")
	n := startNodeWith(t, twoHubsYAML(hubA.addr, hubB.addr))
	settle(t, hubA) // the catalog comes from one hub (same serial at both)
	for _, tc := range []struct {
		name     string
		from     string
		key      *xfr.Key
		rcode    int
		refreshs int64
	}{
		{"hub B with hub A's key", "127.0.0.2", keyA, dns.RcodeNotAuth, 0},
		{"hub A with hub B's key", "127.0.0.1", keyB, dns.RcodeNotAuth, 0},
		{"not a hub address", "127.0.0.3", keyB, dns.RcodeRefused, 0},
		{"hub B with its own key", "127.0.0.2", keyB, dns.RcodeSuccess, 1},
		{"hub A with its own key", "127.0.0.1", keyA, dns.RcodeSuccess, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			beforeA, beforeB := hubA.soa.Load(), hubB.soa.Load()
			resp := sendNotifyFrom(t, tc.from, n, catalogZone, tc.key)
			if resp.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tc.rcode])
			}
			time.Sleep(1500 * time.Millisecond)
			if a, b := hubA.soa.Load()-beforeA, hubB.soa.Load()-beforeB; a != tc.refreshs || b != tc.refreshs {
				t.Errorf("refreshes asked hub A %d and hub B %d times, want %d each", a, b, tc.refreshs)
			}
		})
	}
}

// TestNotifyRefreshesSpaced: 20 good NOTIFYs within a second (a burst, or
// one signed NOTIFY replayed within its fudge) make at most notifyGap-spaced
// refreshes: the first at once, the rest folded into one at the gap's end.
func TestNotifyRefreshesSpaced(t *testing.T) {
	key, err := xfr.NewKey("node1-key.", "hmac-sha256", nodeSecret)
	if err != nil {
		t.Fatal(err)
	}
	hub := startFakeHub(t, key)
	n := startNodeAt(t, hub.addr)
	settle(t, hub)
	before := hub.soa.Load()
	for range 20 {
		if resp := sendNotify(t, n, catalogZone, key); resp.Rcode != dns.RcodeSuccess {
			t.Fatalf("good NOTIFY answered %s", dns.RcodeToString[resp.Rcode])
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	got := hub.soa.Load() - before
	t.Logf("20 NOTIFYs in 1s: %d refreshes", got)
	if got < 2 || got > 3 {
		t.Errorf("%d refreshes for 20 NOTIFYs in 1s, want 2 or 3 (once per %v, the last not lost)", got, notifyGap)
	}
}

// startNodeAt runs a node whose hub is the fake hub at hubAddr and returns
// the node's DNS address.
func startNodeAt(t *testing.T, hubAddr string) string {
	t.Helper()
	return startNodeWith(t, fmt.Sprintf(`hub:
  addresses: [%q]
  tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
`, hubAddr))
}

// startNodeWith runs a node with hubsYAML as its hub: or hubs: section
// (key files node.key and node-b.key hold nodeSecret and nodeSecretB).
func startNodeWith(t *testing.T, hubsYAML string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "node.key"), nodeSecret)
	writeFile(t, filepath.Join(dir, "node-b.key"), nodeSecretB)
	addr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	writeFile(t, filepath.Join(dir, "node.yaml"), fmt.Sprintf(`listen: [%q]
nsid: node1
storage: %s
catalog: %s
%stimeouts: {transfer: 2s, min-refresh: 1s}
`, addr, filepath.Join(dir, "node"), catalogZone, hubsYAML))
	cfg, err := LoadConfig(filepath.Join(dir, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	runUntilReady(t, "node", n.Run)
	return addr
}

// settle waits for the node's first transfer of the catalog and a little
// more, so the counts that follow are the NOTIFYs' alone.
func settle(t *testing.T, h *fakeHub) {
	t.Helper()
	waitUntil(t, "the node's first catalog transfer", 10*time.Second, func() bool { return h.axfr.Load() > 0 })
	time.Sleep(1500 * time.Millisecond)
}

func testLogger(t *testing.T) *slog.Logger {
	logs := &testpeer.LogBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node log:\n%s", logs.String())
		}
	})
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
