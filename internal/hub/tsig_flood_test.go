package hub

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	dto "github.com/prometheus/client_model/go"

	"anycloud/internal/monitor"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// floodQueries is the attack of issue 13: SOA queries signed with key
// names nobody configured, a fresh random one each time.
const floodQueries = 20000

// tsigFlood sends n SOA queries over UDP from a few workers (each from its
// own loopback address), each signed
// with the key name name(i) and secret, and returns how many the hub
// answered.
func tsigFlood(t *testing.T, addr string, n int, secret string, name func(i int) string) int {
	t.Helper()
	const workers = 4
	var answered atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker sends from its own loopback address.
			local := &net.UDPAddr{IP: net.IPv4(127, 0, 0, byte(2+w))}
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second, Dialer: &net.Dialer{LocalAddr: local, Timeout: 2 * time.Second}}
			conn, err := c.Dial(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			for i := w; i < n; i += workers {
				key, err := xfr.NewKey(name(i), "hmac-sha256", secret)
				if err != nil {
					t.Error(err)
					return
				}
				c.TsigProvider = xfr.Provider(key)
				q := new(dns.Msg)
				q.SetQuestion("example.", dns.TypeSOA)
				q.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
				r, _, err := c.ExchangeWithConn(q, conn)
				if err != nil {
					t.Errorf("query %d: %v", i, err)
					return
				}
				if r.Rcode == dns.RcodeRefused {
					answered.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(answered.Load())
}

func randomKeyName(int) string {
	b := make([]byte, 8)
	rand.Read(b)
	return "k" + hex.EncodeToString(b) + ".attacker.example."
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// rssKiB is this process's resident set from /proc (0 when unreadable).
func rssKiB() int {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func countAlerts(alerts []monitor.Alert, kind string) int {
	n := 0
	for _, a := range alerts {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

// TestTSIGFloodUnknownKeys: 20,000 queries signed with random unknown key
// names raise no alert, are counted,
// write at most a line to the log, keep the hub's memory flat and do not
// push a real alert out of the history.
func TestTSIGFloodUnknownKeys(t *testing.T) {
	th, _ := startMonitoredHub(t)
	m := th.Monitor()
	m.Report("hub_rejected", "example.", "critical", "a real alert from before the flood")
	heap0, logs0, rss0 := heapInUse(), th.logCap(), rssKiB()
	answered := tsigFlood(t, th.addr, floodQueries, monitorSecret, randomKeyName)
	waitCounter(t, th, floodQueries, "anycloud_hub_tsig_unknown_key_total")
	heap1, logs1, rss1 := heapInUse(), th.logCap(), rssKiB()
	st := m.Snapshot()
	growth := int64(heap1) - int64(heap0) - int64(logs1-logs0) // the test's own log buffer is not the hub's
	lines := attackLines(th)
	t.Logf("%d queries, %d answered: %d tsig_failure alerts active, %d in the history of %d; hub heap %+d KiB (test log buffer +%d KiB not counted), RSS %+d KiB, %d log lines at WARN or above about the flood",
		floodQueries, answered, countAlerts(st.Alerts.Active, "tsig_failure"), countAlerts(st.Alerts.History, "tsig_failure"),
		len(st.Alerts.History), growth/1024, (logs1-logs0)/1024, rss1-rss0, lines)
	if answered != floodQueries {
		t.Errorf("%d of %d queries answered REFUSED", answered, floodQueries)
	}
	if n := countAlerts(st.Alerts.Active, "tsig_failure") + countAlerts(st.Alerts.History, "tsig_failure"); n != 0 {
		t.Errorf("%d tsig_failure alerts for key names the hub does not have, want 0", n)
	}
	if !hasHistory(st, "hub_rejected/example.") {
		t.Errorf("the real alert raised before the flood is gone from the history: %d entries", len(st.Alerts.History))
	}
	// 20,000 alerts held ~14 MiB; what is left is noise of the collector.
	if growth > 4<<20 {
		t.Errorf("the hub's heap grew by %d KiB over the flood, want < 4 MiB", growth/1024)
	}
	if lines > 1 {
		t.Errorf("%d log lines at WARN or above about the flood, want at most 1 a minute", lines)
	}
}

// TestTSIGWrongSecretOneAlert: queries signed with a configured key and a
// wrong secret, from several addresses, are one tsig_failure alert for
// the key, counting them all, and counted per key.
func TestTSIGWrongSecretOneAlert(t *testing.T) {
	th, _ := startMonitoredHub(t)
	const n = 400
	answered := tsigFlood(t, th.addr, n, monitorSecret, func(int) string { return "node1-key." })
	if answered != n {
		t.Fatalf("%d of %d queries answered REFUSED", answered, n)
	}
	fams := waitCounter(t, th, n, "anycloud_hub_tsig_failures_total", "key", "node1-key.")
	if got := counter(fams, "anycloud_hub_tsig_unknown_key_total"); got != 0 {
		t.Errorf("anycloud_hub_tsig_unknown_key_total = %v for a configured key, want 0", got)
	}
	st := th.Monitor().Snapshot()
	var found []monitor.Alert
	for _, a := range st.Alerts.Active {
		if a.Kind == "tsig_failure" {
			found = append(found, a)
		}
	}
	if len(found) != 1 || found[0].Subject != "key node1-key." || found[0].Count != n || found[0].LastSeen.Before(found[0].Since) ||
		!strings.Contains(found[0].Message, "from 127.0.0.") {
		t.Fatalf("tsig_failure alerts: %+v, want one for key node1-key. with count %d", found, n)
	}
	if h := countAlerts(st.Alerts.History, "tsig_failure"); h != 1 {
		t.Errorf("%d tsig_failure entries in the history, want 1 (the firing)", h)
	}
}

// waitCounter waits until the hub's /metrics has value for name (with
// labels) and returns the families.
func waitCounter(t *testing.T, th *testHub, value float64, name string, labels ...string) map[string]*dto.MetricFamily {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		fams := scrapeHub(t, th)
		if got = counter(fams, name, labels...); got == value {
			return fams
		}
	}
	t.Fatalf("%s%v = %v, want %v", name, labels, got, value)
	return nil
}

func hasHistory(st monitor.Status, id string) bool {
	for _, a := range st.Alerts.History {
		if a.ID == id {
			return true
		}
	}
	return false
}

// attackLines counts the hub's log lines at WARN or ERROR that name one of
// the flood's key names.
func attackLines(th *testHub) int {
	n := 0
	logs := th.logs.String()
	for _, l := range strings.Split(logs, "\n") {
		if (strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR")) && strings.Contains(l, ".attacker.example.") {
			n++
		}
	}
	return n
}

// TestTSIGFloodWebhook: with a webhook, the flood of unknown key names
// and a configured key's wrong secrets reach the receiver (a real HTTP
// server on loopback) as one tsig_failure POST, and no more POSTs in all
// than the webhook's burst.
func TestTSIGFloodWebhook(t *testing.T) {
	var mu sync.Mutex
	posts := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a monitor.Alert
		json.NewDecoder(r.Body).Decode(&a)
		mu.Lock()
		posts[a.Kind]++
		mu.Unlock()
	}))
	defer hook.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "monitor.key"), []byte(monitorSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	port := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(port, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20)))
	section := strings.Replace(monitorSection, "alerts: {raise-after: 1, clear-after: 1}",
		"alerts: {raise-after: 1, clear-after: 1, webhook: {url: "+hook.URL+"}}", 1)
	th := startHub(t, dir, port, hubYAML(port, dir, []string{knot.Addr}, section))
	th.waitSerial(t, "example.", 1, 10*time.Second)

	tsigFlood(t, th.addr, floodQueries, monitorSecret, randomKeyName)
	tsigFlood(t, th.addr, 400, monitorSecret, func(int) string { return "node1-key." })
	waitCounter(t, th, 400, "anycloud_hub_tsig_failures_total", "key", "node1-key.")
	time.Sleep(time.Second) // what the webhook may send at once goes out
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range posts {
		total += n
	}
	t.Logf("webhook POSTs by kind: %v", posts)
	if posts["tsig_failure"] != 1 {
		t.Errorf("%d tsig_failure POSTs, want 1 (one alert for node1-key., none for unknown names)", posts["tsig_failure"])
	}
	if total > 10 {
		t.Errorf("%d POSTs in all, want at most the webhook's burst of 10", total)
	}
}

// logCap is how many bytes the test's log buffer holds (it grows with the
// hub's debug lines, which are the test's, not the hub's, memory).
func (th *testHub) logCap() int {
	return th.logs.Cap()
}
