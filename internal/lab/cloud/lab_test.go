package cloud

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/lab"
	"anycloud/internal/monitor"
	"anycloud/internal/node"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// The full lab: real BIRD routers, Knot primaries, the anycloud hub, nodes
// and monitor, started by `anycloud lab up` code paths with this package as
// the Cloud. One lab serves every subtest, to keep the whole under two
// minutes.

func requireLab(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t, "the lab's network namespaces")
	testenv.RequireCommand(t, "ip", "bird", "birdc", "knotd", "knotc", "nft", "sysctl")
}

type testLab struct {
	topo    *lab.Topology
	dir     string
	cloud   *Cloud
	forward string
	st      *lab.State
}

func startLab(t *testing.T) *testLab {
	t.Helper()
	requireLab(t)
	tmp := t.TempDir()
	bin := testpeer.AnycloudBinary(t)
	topo := lab.Default()
	topo.Prefix = fmt.Sprintf("c%d-", os.Getpid()%100000)
	t.Setenv("ANYCLOUD_LAB_DIR", filepath.Join(tmp, "state"))
	l := &testLab{topo: topo, dir: lab.StateDir(topo.Prefix), cloud: New(bin), forward: freeLoopbackPort(t)}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			dumpLogs(t, l.dir)
		}
		lab.Down(context.Background(), l.dir, log)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	st, err := lab.Up(ctx, topo, lab.Options{Log: log, Cloud: l.cloud, Forward: l.forward,
		RelayCommand: []string{bin, "lab", "relay"}, ForwardCommand: []string{bin, "lab", "forward"}})
	if err != nil {
		t.Fatal(err)
	}
	l.st = st
	t.Logf("lab up (every city served) in %v: %d namespaces, %d processes", time.Since(start).Round(time.Millisecond), len(st.Namespaces), len(st.Processes))
	return l
}

func freeLoopbackPort(t *testing.T) string { return testpeer.FreeAddr(t) }

func dumpLogs(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		t.Logf("== %s\n%s", f, strings.Join(lines, "\n"))
	}
}

func (l *testLab) ns(host string) string {
	h, _ := l.st.Plan.Host(host)
	return h.Namespace
}

// expected maps every city to its unique nearest node with down failed.
func (l *testLab) expected(down string) map[string]string {
	m := map[string]string{}
	for _, c := range l.topo.Cities {
		if n := l.topo.NearestNodes(c.Slug, map[string]bool{down: true}); len(n) == 1 {
			m[c.Slug] = n[0]
		}
	}
	return m
}

// query asks name/qtype from inside ns at addr:53 over network.
func query(ns string, addr netip.Addr, network, name string, qtype uint16) (*dns.Msg, time.Duration, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = false
	q.SetEdns0(1232, false)
	q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	c := &dns.Client{Net: network, Timeout: time.Second}
	var r *dns.Msg
	var rtt time.Duration
	err := lab.InNamespace(ns, func() error {
		conn, err := c.Dial(net.JoinHostPort(addr.String(), "53"))
		if err != nil {
			return err
		}
		defer conn.Close()
		r, rtt, err = c.ExchangeWithConn(q, conn)
		return err
	})
	return r, rtt, err
}

func nsid(m *dns.Msg) string {
	for _, o := range m.IsEdns0().Option {
		if n, ok := o.(*dns.EDNS0_NSID); ok {
			return hexString(n.Nsid)
		}
	}
	return ""
}

func hexString(h string) string {
	b, _ := hex.DecodeString(h)
	return string(b)
}

func soaSerial(m *dns.Msg) uint32 {
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
	}
	return 0
}

// waitCatchments polls until every city is answered by want (UDP, both
// service addresses) and returns how long that took.
func (l *testLab) waitCatchments(t *testing.T, want map[string]string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last []string
	for time.Since(start) < limit {
		last = last[:0]
		for city, node := range want {
			for _, addr := range l.topo.Service {
				if p := lab.ProbeFrom(l.ns(city), addr, "udp", 300*time.Millisecond); p.Node != node {
					last = append(last, fmt.Sprintf("%s: %s answered by %q (%s), want %s", city, addr, p.Node, p.Error, node))
				}
			}
		}
		if len(last) == 0 {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("catchments not as expected after %v:\n%s", limit, strings.Join(last, "\n"))
	return 0
}

func TestLab(t *testing.T) {
	l := startLab(t)
	t.Run("catchments", l.testCatchments)
	t.Run("status", l.testStatus)
	t.Run("dashboard", l.testDashboard)
	t.Run("traffic", l.testTraffic)
	t.Run("dashboard-browser", l.testDashboardBrowser)
	// faults_cloud_test.go; before onboard, which adds a zone whose primary
	// it then stops (hub-down needs every zone to expire).
	t.Run("faults", l.testFaults)
	t.Run("onboard", l.testOnboard)
	t.Run("bump", l.testBump)
	t.Run("hubs", l.testHubs)
	t.Run("hub-lost", l.testHubLost)
	t.Run("failover", l.testFailover)
	t.Run("down", l.testDown)
}

// testCatchments: every city reaches its nearest node, by NSID, over UDP
// and TCP, IPv4 and IPv6, with a real answer from each sample zone.
func (l *testLab) testCatchments(t *testing.T) {
	want := l.expected("")
	for _, c := range l.topo.Cities {
		for _, addr := range l.topo.Service {
			for _, network := range []string{"udp", "tcp"} {
				for _, p := range l.topo.Primaries {
					r, rtt, err := query(l.ns(c.Slug), addr, network, p.Zone+".", dns.TypeSOA)
					if err != nil {
						t.Errorf("%s %s %s %s.: %v", c.Slug, network, addr, p.Zone, err)
						continue
					}
					if got := nsid(r); (want[c.Slug] != "" && got != want[c.Slug]) || !r.Authoritative || soaSerial(r) == 0 {
						t.Errorf("%s %s %s %s.: NSID %q aa=%v serial %d, want %s", c.Slug, network, addr, p.Zone, got, r.Authoritative, soaSerial(r), want[c.Slug])
					}
					if p.Zone == "sv" {
						t.Logf("%-13s %s %-15s -> %s in %v", c.Slug, network, addr, nsid(r), rtt.Round(100*time.Microsecond))
					}
				}
			}
		}
	}
}

// testStatus: `lab status --json` lists hosts, nodes with their state and
// every city's answering node.
func (l *testLab) testStatus(t *testing.T) {
	var out strings.Builder
	cli := &lab.CLI{Stdout: &out, Stderr: &out, Cloud: l.cloud}
	if err := cli.Run(context.Background(), []string{"status", "--json", "--prefix", l.topo.Prefix}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var s lab.Status
	if err := json.Unmarshal([]byte(out.String()), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Hosts) != len(l.st.Plan.Hosts) || len(s.Nodes) != len(l.topo.Nodes) {
		t.Errorf("status lists %d hosts, %d nodes", len(s.Hosts), len(s.Nodes))
	}
	for _, n := range s.Nodes {
		if n.State != "announced" || !n.Announcing || n.City == "" || len(n.Unicast) != 2 {
			t.Errorf("node %+v", n)
		}
	}
	want := l.expected("")
	for _, c := range s.Cities {
		if c.Answerer != want[c.Slug] && want[c.Slug] != "" {
			t.Errorf("city %s answered by %q, want %s", c.Slug, c.Answerer, want[c.Slug])
		}
	}
}

// testDashboard: the host's forwarded port reaches the monitor running in
// the noc, which asks the first hub for its serials (signed with the
// monitor's key) and sees every node announced and in sync.
func (l *testLab) testDashboard(t *testing.T) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		body, err := httpGet("http://" + l.forward + "/")
		if err == nil && strings.Contains(body, "<html") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dashboard through the forwarder: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var problems []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		problems = l.monitorProblems()
		if len(problems) == 0 {
			return
		}
	}
	t.Fatalf("the monitor in the noc does not see the lab in sync:\n%s", strings.Join(problems, "\n"))
}

// monitorProblems lists what the monitor's status API shows amiss.
func (l *testLab) monitorProblems() []string {
	body, err := httpGet("http://" + l.forward + "/api/v1/status")
	if err != nil {
		return []string{err.Error()}
	}
	var st monitor.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		return []string{err.Error()}
	}
	var out []string
	if len(st.Zones) != len(l.topo.Primaries) || len(st.Nodes) != len(l.topo.Nodes) {
		out = append(out, fmt.Sprintf("%d zones, %d nodes", len(st.Zones), len(st.Nodes)))
	}
	for _, z := range st.Zones {
		if z.Hub == nil || z.Hub.Serial == nil || z.Hub.Sync != "in-sync" || !z.InSync {
			out = append(out, fmt.Sprintf("%s: hub %+v, in sync everywhere %v", z.Zone, z.Hub, z.InSync))
		}
	}
	for _, n := range st.Nodes {
		if n.State != "announcing" || n.City == "" {
			out = append(out, fmt.Sprintf("node %s in %q: %s", n.Name, n.City, n.State))
		}
	}
	return out
}

// testTraffic: the cities' probes ask every client zone a query mix; the
// hub's monitor scrapes the nodes and keeps per-client history by node,
// which the traffic API and the CSV export show.
func (l *testLab) testTraffic(t *testing.T) {
	var sum struct {
		Zones []monitor.ZoneTraffic `json:"zones"`
	}
	deadline := time.Now().Add(40 * time.Second) // two scrapes 15 s apart
	for {
		body, err := httpGet("http://" + l.forward + "/api/v1/traffic")
		if err == nil && json.Unmarshal([]byte(body), &sum) == nil && len(sum.Zones) > 0 && trafficEverywhere(sum.Zones) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no per-client traffic by node after 40 s: %v %+v", err, sum.Zones)
		}
		time.Sleep(time.Second)
	}
	for _, z := range sum.Zones {
		t.Logf("%s: %v queries this hour by node, breakdowns %v", z.Zone, z.Last24hByNode, z.By)
	}
	csv, err := httpGet("http://" + l.forward + "/api/v1/traffic/sv.?period=day&format=csv")
	if err != nil || !strings.HasPrefix(csv, "zone,period_start_utc,node,queries,") || strings.Count(csv, "\n") < 2 {
		t.Fatalf("daily CSV of sv.: %v\n%s", err, csv)
	}
}

// trafficEverywhere: every zone has queries at some node, with breakdowns.
func trafficEverywhere(zones []monitor.ZoneTraffic) bool {
	for _, z := range zones {
		if z.Last24h[23] == 0 || z.By["qtype=SOA"] == 0 || z.By["rcode=NXDOMAIN"] == 0 {
			return false
		}
	}
	return true
}

func httpGet(url string) (string, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("%s: %s", url, resp.Status)
	}
	return string(b), err
}

// testBump: a change at Knot reaches every node (unicast) through the hub.
func (l *testLab) testBump(t *testing.T) {
	client := l.ns(l.topo.Cities[0].Slug)
	before := l.nodeSerials(t, client, "sv.")
	start := time.Now()
	var out strings.Builder
	cli := &lab.CLI{Stdout: &out, Stderr: &out, Cloud: l.cloud}
	if err := cli.Run(context.Background(), []string{"bump", "--prefix", l.topo.Prefix, "sv."}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for node, serial := range before {
		h, _ := l.st.Plan.Host(node)
		deadline := time.Now().Add(10 * time.Second)
		for {
			r, _, err := query(client, h.Addresses[0], "udp", "sv.", dns.TypeSOA)
			if err == nil && soaSerial(r) > serial {
				t.Logf("%s serves sv. serial %d (was %d) %v after the bump", node, soaSerial(r), serial, time.Since(start).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still serves sv. serial %d 10 s after the bump", node, serial)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// nodeSerials asks every node's unicast address for zone's serial.
func (l *testLab) nodeSerials(t *testing.T, client, zone string) map[string]uint32 {
	out := map[string]uint32{}
	for _, n := range l.topo.Nodes {
		h, _ := l.st.Plan.Host("node-" + n)
		r, _, err := query(client, h.Addresses[0], "udp", zone, dns.TypeSOA)
		if err != nil || soaSerial(r) == 0 {
			t.Fatalf("%s: %v", h.Name, err)
		}
		out[h.Name] = soaSerial(r)
	}
	return out
}

// testHubLost: with every hub frozen, every node notices (a refresh of
// sv. fails) and keeps announcing and serving.
func (l *testLab) testHubLost(t *testing.T) {
	defer l.freezeHubs(t)()
	frozen := time.Now()
	// SOA refresh 5 s, retry 2 s, transfer timeout 2 s: each node fails to
	// reach the hub within 10 s.
	for _, n := range l.topo.Nodes {
		name := "node-" + n
		deadline := time.Now().Add(15 * time.Second)
		for !l.refreshFailedSince(name, "sv.", frozen) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never noticed the hub was gone: its status of sv. %s", name, l.zoneStatus(name, "sv."))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("every node saw a failed refresh %v after the hub froze", time.Since(frozen).Round(time.Millisecond))
	st, err := lab.GetStatus(context.Background(), l.dir, time.Second, l.cloud)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Nodes {
		if n.State != "announced" || !n.Announcing {
			t.Errorf("%s without its hub: state %q (%s), router has route %v", n.Name, n.State, n.Reason, n.Announcing)
		}
	}
	l.waitCatchments(t, l.expected(""), time.Second)
}

// refreshFailedSince reads the node's status document and reports whether
// zone's last refresh attempt after since failed.
func (l *testLab) refreshFailedSince(nodeName, zone string, since time.Time) bool {
	z, err := l.nodeZone(nodeName, zone)
	if err != nil {
		return false
	}
	return z.Refresh.LastError != "" && z.Refresh.LastCheck.After(since) && z.Refresh.LastContact.Before(since)
}

// zoneStatus is the node's status of zone as JSON, for failure messages.
func (l *testLab) zoneStatus(nodeName, zone string) string {
	z, err := l.nodeZone(nodeName, zone)
	if err != nil {
		return err.Error()
	}
	b, _ := json.Marshal(z)
	return string(b)
}

// nodeZone reads zone's entry of the node's status document.
func (l *testLab) nodeZone(nodeName, zone string) (node.ZoneStatus, error) {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			return lab.DialIn(l.ns(nodeName), network, addr, time.Second)
		}}}
	resp, err := client.Get("http://" + nodeControl + "/status")
	if err != nil {
		return node.ZoneStatus{}, err
	}
	defer resp.Body.Close()
	var doc node.StatusDoc
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return node.ZoneStatus{}, err
	}
	for _, z := range doc.Zones {
		if z.Zone == zone {
			return z, nil
		}
	}
	return node.ZoneStatus{}, fmt.Errorf("%s does not list %s", nodeName, zone)
}
