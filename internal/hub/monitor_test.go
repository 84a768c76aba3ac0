package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"anycloud/internal/monitor"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

const monitorSecret = "c2VjcmV0LW9mLXRoZS1tb25pdG9yLWtleS0wMTIzNDU2Nzg="

// monitorSection runs the monitor in the hub on a free port, fast.
const monitorSection = `monitor:
  listen: 127.0.0.1:0
  interval: 200ms
  timeout: 500ms
  alerts: {raise-after: 1, clear-after: 1}
  nodes:
    - {name: node1, city: "San José", lat: 9.93, lon: -84.08}
  query-tsig: {name: monitor-key., algorithm: hmac-sha256, secret-file: monitor.key}
`

func startMonitoredHub(t *testing.T) (*testHub, *testpeer.Primary) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "monitor.key"), []byte(monitorSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, monitorSection))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	if th.MonitorAddr() == "" {
		t.Fatal("the hub runs no monitor although its configuration has a monitor: section")
	}
	return th, knot
}

// TestMonitorInHub: the monitor runs in the hub process, reads the hub's
// serial in-process, and serves the hub's counters on the same /metrics.
func TestMonitorInHub(t *testing.T) {
	th, _ := startMonitoredHub(t)
	st := waitMonitor(t, th, func(st monitor.Status) bool {
		z := st.Zones[0]
		return z.Hub != nil && z.Hub.Serial != nil && *z.Hub.Serial == 1 && z.Hub.Sync == "in-sync" && z.Primary.Serial != nil
	})
	if len(st.Nodes) != 1 || st.Nodes[0].City != "San José" || st.Nodes[0].Unicast[0] != fmt.Sprintf("127.0.0.1:%d", th.port+1) {
		t.Errorf("node as the monitor sees it: %+v", st.Nodes)
	}
	fams := scrapeHub(t, th)
	if got := counter(fams, "anycloud_transfer_attempts_total", "zone", "example.", "kind", "axfr"); got != 1 {
		t.Errorf("transfer attempts (axfr) = %v, want 1", got)
	}
	if got := counter(fams, "anycloud_sync_serial", "zone", "example.", "role", "hub"); got != 1 {
		t.Errorf("anycloud_sync_serial of the hub = %v, want 1", got)
	}
	if got := counter(fams, "anycloud_zone_serial", "zone", "example."); got != 1 {
		t.Errorf("anycloud_zone_serial at the hub = %v, want 1", got)
	}
	if got := counter(fams, "anycloud_zone_last_refresh_timestamp_seconds", "zone", "example."); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("anycloud_zone_last_refresh_timestamp_seconds at the hub = %v, want within the last minute", got)
	}
	if got := counter(fams, "anycloud_zone_expired", "zone", "example."); got != 0 {
		t.Errorf("anycloud_zone_expired at the hub = %v, want 0", got)
	}
}

// TestMonitorInHubRejection: a version the gate refuses is counted by
// reason and raises the hub_rejected alert.
func TestMonitorInHubRejection(t *testing.T) {
	th, knot := startMonitoredHub(t)
	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 2))
	knot.Reload()
	knot.WaitSerial(2)
	th.checkNow(t, "example.")
	// The hub keeps serial 1 while the primary has 2: behind, not in sync.
	waitMonitor(t, th, func(st monitor.Status) bool {
		z := st.Zones[0]
		return hasAlert(st, "hub_rejected", "example.") && z.Hub.Serial != nil && *z.Hub.Serial == 1 && z.Hub.Sync == "behind" &&
			z.Primary.Serial != nil && *z.Primary.Serial == 2
	})
	if got := counter(scrapeHub(t, th), "anycloud_gate_rejections_total", "zone", "example.", "reason", "shrink"); got < 1 {
		t.Errorf("gate rejections (shrink) = %v, want at least 1", got)
	}
}

// TestMonitorQueryKey: the monitor's query key reads SOA serials and
// nothing else; a node key with the wrong secret is a TSIG failure alert.
func TestMonitorQueryKey(t *testing.T) {
	th, _ := startMonitoredHub(t)
	key, _ := xfr.NewKey("monitor-key.", "hmac-sha256", monitorSecret)
	for qtype, want := range map[uint16]int{dns.TypeSOA: dns.RcodeSuccess, dns.TypeAXFR: dns.RcodeRefused} {
		if r := signedQuery(t, th.addr, key, qtype); r.Rcode != want {
			t.Errorf("%s with the monitor key: %s, want %s", dns.TypeToString[qtype], dns.RcodeToString[r.Rcode], dns.RcodeToString[want])
		}
	}
	wrong, _ := xfr.NewKey("node1-key.", "hmac-sha256", monitorSecret)
	signedQuery(t, th.addr, wrong, dns.TypeSOA)
	waitMonitor(t, th, func(st monitor.Status) bool { return hasAlert(st, "tsig_failure", "key node1-key.") })
}

// TestMonitorFollowsReload: a node added by a reload is watched.
func TestMonitorFollowsReload(t *testing.T) {
	th, _ := startMonitoredHub(t)
	th.reloadWith(t, func(s string) string {
		return strings.Replace(s, "\nnodes:\n", "\nnodes:\n  - {name: node2, address: 127.0.0.1:1, tsig: {name: node2-key., algorithm: hmac-sha256, secret-file: node.key}}\n", 1)
	})
	waitMonitor(t, th, func(st monitor.Status) bool {
		return len(st.Nodes) == 2 && (st.Nodes[0].Name == "node2" || st.Nodes[1].Name == "node2")
	})
}

func signedQuery(t *testing.T, addr string, key *xfr.Key, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion("example.", qtype)
	q.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second, TsigProvider: xfr.Provider(key)}
	r, _, err := c.Exchange(q, addr)
	if r == nil {
		t.Fatalf("%s query: %v", dns.TypeToString[qtype], err)
	}
	return r
}

func waitMonitor(t *testing.T, th *testHub, ok func(monitor.Status) bool) monitor.Status {
	t.Helper()
	var st monitor.Status
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		body := httpBody(t, "http://"+th.MonitorAddr()+"/api/v1/status")
		st = monitor.Status{}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Zones) > 0 && ok(st) {
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := json.MarshalIndent(st, "", " ")
	t.Fatalf("monitor never showed the expected state; last:\n%s\nhub logs:\n%s", b, th.logs.String())
	return st
}

func hasAlert(st monitor.Status, kind, subject string) bool {
	for _, a := range st.Alerts.Active {
		if a.Kind == kind && strings.HasPrefix(a.Subject, subject) {
			return true
		}
	}
	return false
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

func scrapeHub(t *testing.T, th *testHub) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(httpBody(t, "http://"+th.MonitorAddr()+"/metrics")))
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// counter is the value of the series of name whose labels include the
// given name/value pairs (-1 when absent).
func counter(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && have[labels[i]] == labels[i+1]
		}
		if match && m.Counter != nil {
			return m.Counter.GetValue()
		}
		if match && m.Gauge != nil {
			return m.Gauge.GetValue()
		}
	}
	return -1
}

// TestStandaloneMonitorReadsHub: a monitor outside the hub (anycloud
// monitor) signs its SOA queries with the hub's query-tsig key and sees the
// hub's serial; without the key the hub refuses it and looks unreachable.
func TestStandaloneMonitorReadsHub(t *testing.T) {
	th, knot := startMonitoredHub(t)
	for _, tc := range []struct {
		name string
		tsig *xfr.KeySpec
		want string
	}{
		{"with the query key", &xfr.KeySpec{Name: "monitor-key.", Algorithm: "hmac-sha256", SecretFile: "monitor.key"}, "in-sync"},
		{"unsigned", nil, "unreachable"},
	} {
		cfg := monitor.Config{Timeout: time.Second,
			Zones: []monitor.ZoneConfig{{Zone: "example.", Primaries: []string{knot.Addr}}},
			Hub:   &monitor.Server{Name: "hub", Addresses: []string{th.addr}, TSIG: tc.tsig}}
		if err := cfg.LoadKeys(th.dir); err != nil {
			t.Fatal(err)
		}
		m := monitor.New(cfg, th.log)
		m.Poll(context.Background())
		m.Close()
		hub := m.Snapshot().Zones[0].Hub
		if hub.Sync != tc.want || (tc.want == "in-sync" && (hub.Serial == nil || *hub.Serial != 1)) {
			t.Errorf("%s: hub %s serial %v (%s), want %s", tc.name, hub.Sync, hub.Serial, hub.Error, tc.want)
		}
	}
}
