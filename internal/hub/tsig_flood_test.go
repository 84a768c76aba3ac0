package hub

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/monitor"
	"anycloud/internal/xfr"
)

// floodQueries is the attack of issue 13: SOA queries signed with key
// names nobody configured, a fresh random one each time.
const floodQueries = 20000

// tsigFlood sends n SOA queries over UDP from a few workers, each signed
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
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
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
// names raise no alert, are counted, keep the hub's memory flat and do not
// push a real alert out of the history.
func TestTSIGFloodUnknownKeys(t *testing.T) {
	th, _ := startMonitoredHub(t)
	m := th.Monitor()
	m.Report("hub_rejected", "example.", "critical", "a real alert from before the flood")
	heap0, logs0, rss0, lines0 := heapInUse(), th.logs.Cap(), rssKiB(), loudLines(th)
	start := time.Now()
	answered := tsigFlood(t, th.addr, floodQueries, monitorSecret, randomKeyName)
	took := time.Since(start)
	time.Sleep(500 * time.Millisecond) // the dispatcher drains what it queued
	st := m.Snapshot()
	heap1, logs1, rss1, lines1 := heapInUse(), th.logs.Cap(), rssKiB(), loudLines(th)
	growth := int64(heap1) - int64(heap0) - int64(logs1-logs0) // the test's own log buffer is not the hub's
	t.Logf("%d queries (%d answered) in %v: %d tsig_failure alerts active, %d in the history of %d; heap +%d KiB (test log buffer +%d KiB not counted), RSS +%d KiB, %d log lines at WARN or above",
		floodQueries, answered, took.Round(time.Millisecond), countAlerts(st.Alerts.Active, "tsig_failure"),
		countAlerts(st.Alerts.History, "tsig_failure"), len(st.Alerts.History), growth/1024, (logs1-logs0)/1024, rss1-rss0, lines1-lines0)
}

// loudLines counts the hub's log lines at WARN or ERROR so far.
func loudLines(th *testHub) int {
	logs := th.logs.String()
	return strings.Count(logs, "level=WARN") + strings.Count(logs, "level=ERROR")
}
