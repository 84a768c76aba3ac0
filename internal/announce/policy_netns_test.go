package announce

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// birdTransitConf is a provider's BIRD peering with the node: it originates
// its own route (which the node must never pass on) and takes everything
// the node sends.
const birdTransitConf = `router id %[2]s;
log "%[1]s/%[3]s.log" all;
protocol device { scan time 10; }
protocol static own { ipv4; route %[4]s blackhole; }
protocol bgp node {
	local as %[5]d; neighbor %[6]s as 64500; passive on;
	hold time 3; keepalive time 1; connect retry time 1;
	%[7]s
	ipv4 { import all; export where proto = "own"; };
}
`

// topo is a node namespace with point-to-point links to peer namespaces.
type topo struct {
	t    *testing.T
	dir  string
	node string
}

func newTopo(t *testing.T) *topo {
	requireNetnsTools(t)
	tp := &topo{t: t, dir: t.TempDir(), node: nsName(t, "node")}
	newNetns(t, tp.node)
	return tp
}

// link adds namespace role linked to the node over 192.0.2.<4i>/30: the node
// is .4i+1, the peer .4i+2. It returns the peer's namespace and address.
func (tp *topo) link(role string, i int) (string, string) {
	ns := nsName(tp.t, role)
	newNetns(tp.t, ns)
	nodeIf, peerIf := fmt.Sprintf("up%d", i), fmt.Sprintf("dn%d", i)
	nodeAddr, peerAddr := fmt.Sprintf("192.0.2.%d", 4*i+1), fmt.Sprintf("192.0.2.%d", 4*i+2)
	veth(tp.t, tp.node, nodeIf, nodeAddr+"/30", ns, peerIf, peerAddr+"/30")
	return ns, peerAddr
}

// bird starts a transit BIRD on link i and returns its control socket.
func (tp *topo) bird(role string, i int, as uint32, own, extra string) string {
	ns, addr := tp.link(role, i)
	conf := filepath.Join(tp.dir, role+".conf")
	text := fmt.Sprintf(birdTransitConf, tp.dir, addr, role, own, as, fmt.Sprintf("192.0.2.%d", 4*i+1), extra)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		tp.t.Fatal(err)
	}
	sock := filepath.Join(tp.dir, role+".ctl")
	startInNetns(tp.t, ns, nil, filepath.Join(tp.dir, role+".out"), "bird", "-f", "-c", conf, "-s", sock, "-P", filepath.Join(tp.dir, role+".pid"))
	return sock
}

// gobgpPeer starts the GoBGP peer process on link i.
func (tp *topo) gobgpPeer(role string, i int, spec peerSpec) func() peerReport {
	ns, addr := tp.link(role, i)
	spec.RouterID, spec.Neighbor, spec.NodeAS = addr, fmt.Sprintf("192.0.2.%d", 4*i+1), 64500
	spec.Status = filepath.Join(tp.dir, role+".json")
	specFile := filepath.Join(tp.dir, role+"-spec.json")
	data, _ := json.Marshal(spec)
	os.WriteFile(specFile, data, 0o644)
	exe, _ := os.Executable()
	startInNetns(tp.t, ns, []string{peerEnv + "=" + specFile}, filepath.Join(tp.dir, role+".out"), exe)
	return func() peerReport {
		var r peerReport
		data, _ := os.ReadFile(spec.Status)
		json.Unmarshal(data, &r)
		return r
	}
}

// announcer starts the node's announcer process and returns its PID and
// a reader of its log.
func (tp *topo) announcer(cfg Config) (int, func() string) {
	spec := helperSpec{FailFile: filepath.Join(tp.dir, "fail"), Ready: filepath.Join(tp.dir, "ready"), Config: cfg}
	specFile := filepath.Join(tp.dir, "node-spec.json")
	data, _ := json.Marshal(spec)
	os.WriteFile(specFile, data, 0o644)
	exe, _ := os.Executable()
	logFile := filepath.Join(tp.dir, "node.out")
	cmd := startInNetns(tp.t, tp.node, []string{helperEnv + "=" + specFile}, logFile, exe)
	return cmd.Process.Pid, func() string { data, _ := os.ReadFile(logFile); return string(data) }
}

// birdRoutes lists the prefixes a BIRD learned from the node.
func birdRoutes(sock string) []string {
	var out []string
	for _, line := range strings.Split(birdc(sock, "show", "route", "protocol", "node"), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			if _, err := netip.ParsePrefix(f[0]); err == nil {
				out = append(out, f[0])
			}
		}
	}
	sort.Strings(out)
	return out
}

// procKiB reads a VmRSS or VmHWM figure of a process, in KiB.
func procKiB(t *testing.T, pid int, field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func hasAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

var servicePrefixes = []string{"198.51.100.0/24", "198.51.100.53/32"}

// TestGoBGPAnnouncesOnlyItsPrefixes surrounds the GoBGP announcer with three
// transit peers: BIRD A (GTSM), BIRD B (TCP-MD5) and a GoBGP router C. Each
// originates a route of its own. Every peer must receive exactly the
// service prefixes (with MED and large communities as configured), never
// another peer's route; and when C sends a full table, the node closes C's
// session at max-prefixes and its memory does not grow.
func TestGoBGPAnnouncesOnlyItsPrefixes(t *testing.T) {
	tp := newTopo(t)
	const password = "s3cret-md5"
	sockA := tp.bird("ra", 0, 64501, "203.0.113.0/25", "ttl security on;")
	sockB := tp.bird("rb", 1, 64502, "203.0.113.128/25", fmt.Sprintf("password %q;", password))
	flood := 200000
	if v, err := strconv.Atoi(os.Getenv("ANYCLOUD_BGP_FLOOD")); err == nil {
		flood = v
	}
	floodFile := filepath.Join(tp.dir, "flood")
	reportC := tp.gobgpPeer("rc", 2, peerSpec{AS: 64503, Inject: []string{"192.0.2.128/25"}, Flood: flood, FloodFile: floodFile})

	med := uint32(50)
	pid, nodeLog := tp.announcer(Config{
		LocalAS:  64500,
		RouterID: netip.MustParseAddr("192.0.2.1"),
		Peers: []Peer{
			{Address: netip.MustParseAddr("192.0.2.2"), AS: 64501, TTLSecurity: true},
			{Address: netip.MustParseAddr("192.0.2.6"), AS: 64502, Password: password},
			{Address: netip.MustParseAddr("192.0.2.10"), AS: 64503, MaxPrefixes: 100, MaxPrefixRestart: 2 * time.Second},
		},
		Prefixes: []Prefix{
			{Prefix: netip.MustParsePrefix(servicePrefixes[0]), MED: &med, Communities: []string{"64500:53"},
				LargeCommunities: []string{"64500:1:53", "4200000000:7:8"}},
			{Prefix: netip.MustParsePrefix(servicePrefixes[1])},
		},
	})

	var seen string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last seen by A, B, C: %s", seen)
			t.Logf("BIRD A:\n%s\n%s", birdc(sockA, "show", "route", "all"), birdc(sockA, "show", "protocols", "all", "node"))
			data, _ := os.ReadFile(filepath.Join(tp.dir, "rc.json"))
			t.Logf("C: %s", data)
		}
	})
	waitFor(t, "every peer to learn the service prefixes", 20*time.Second, func() bool {
		a, b, c := birdRoutes(sockA), birdRoutes(sockB), reportC().Received
		seen = fmt.Sprintf("%q %q %q", a, b, c)
		return hasAll(a, servicePrefixes) && hasAll(b, servicePrefixes) && hasAll(c, servicePrefixes)
	})
	v4 := birdc(sockA, "show", "route", servicePrefixes[0], "all")
	for _, s := range []string{"BGP.med: 50", "(64500, 1, 53)", "(4200000000, 7, 8)", "(64500,53)", "BGP.as_path: 64500\n"} {
		if !strings.Contains(v4, s) {
			t.Errorf("BIRD A's route lacks %q:\n%s", s, v4)
		}
	}

	// The peers' own routes reached the node long ago (the sessions are
	// up and carry updates in milliseconds); two more seconds, then no
	// peer may hold another's route.
	time.Sleep(2 * time.Second)
	service := map[string]bool{servicePrefixes[0]: true, servicePrefixes[1]: true}
	leaked := func() int {
		n := 0
		for i, got := range [][]string{birdRoutes(sockA), birdRoutes(sockB), reportC().Received} {
			for _, p := range got {
				if !service[p] {
					n++
					if n <= 5 {
						t.Errorf("peer %c received %s, which is not a service prefix", 'A'+i, p)
					}
				}
			}
		}
		return n
	}
	t.Logf("routes leaked between peers: %d", leaked())

	// C sends a full table.
	rss, hwm := procKiB(t, pid, "VmRSS"), procKiB(t, pid, "VmHWM")
	os.WriteFile(floodFile, nil, 0o644)
	start := time.Now()
	waitFor(t, "C's flood to be originated", 3*time.Minute, func() bool { return reportC().Flooded >= flood })
	t.Logf("C originated %d routes in %v", flood, time.Since(start).Round(time.Millisecond))
	// Not waitFor: without the limit this never happens, and the memory
	// figures below are what the test is about.
	tripped := false
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && !tripped; time.Sleep(100 * time.Millisecond) {
		tripped = strings.Contains(nodeLog(), "more prefixes than max-prefixes")
	}
	rss2, hwm2 := procKiB(t, pid, "VmRSS"), procKiB(t, pid, "VmHWM")
	if !tripped {
		t.Errorf("the node did not close C's session within a minute of %d routes", flood)
	} else {
		waitFor(t, "the node to reopen C's session", 10*time.Second, func() bool {
			return strings.Contains(nodeLog(), "reopened after a prefix limit")
		})
		if r := reportC(); r.Drops == 0 {
			t.Errorf("C saw no drop of its session, want the node to have closed it")
		}
	}
	t.Logf("node RSS %d -> %d KiB, peak %d -> %d KiB, with %d routes sent by C", rss, rss2, hwm, hwm2, flood)
	if grow := hwm2 - hwm; grow > 48*1024 {
		t.Errorf("the node's peak RSS grew by %d KiB while C sent %d routes, want under 48 MiB", grow, flood)
	}
	t.Logf("routes leaked between peers after the flood: %d (BIRD A holds %d routes from the node)", leaked(), len(birdRoutes(sockA)))
}

// TestGoBGPTCPMD5 peers the GoBGP announcer with a BIRD that requires a
// TCP-MD5 password: the session comes up with the same password only.
func TestGoBGPTCPMD5(t *testing.T) {
	tests := []struct {
		name, node string
		up         bool
	}{
		{"same password", "s3cret-md5", true},
		{"wrong password", "s3cret-md6", false},
		{"no password", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTopo(t)
			sock := tp.bird("md5", 0, 64501, "203.0.113.0/25", `password "s3cret-md5";`)
			tp.announcer(Config{
				LocalAS:  64500,
				RouterID: netip.MustParseAddr("192.0.2.1"),
				Peers:    []Peer{{Address: netip.MustParseAddr("192.0.2.2"), AS: 64501, Password: tc.node}},
				Prefixes: []Prefix{{Prefix: netip.MustParsePrefix(servicePrefixes[0])}},
			})
			waitFor(t, "BIRD to start", 5*time.Second, func() bool { return strings.Contains(birdc(sock, "show", "status"), "Daemon is up") })
			established := func() bool { return strings.Contains(birdc(sock, "show", "protocols", "node"), "Established") }
			if tc.up {
				waitFor(t, "the session with the same password", 15*time.Second, established)
				waitFor(t, "the service prefix", 5*time.Second, func() bool { return hasAll(birdRoutes(sock), servicePrefixes[:1]) })
				return
			}
			// The node retries every second: six seconds are several tries.
			for end := time.Now().Add(6 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
				if established() {
					t.Fatalf("the session came up with password %q against %q", tc.node, "s3cret-md5")
				}
			}
		})
	}
}
