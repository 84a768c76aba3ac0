package announce

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// streamEnv turns the test binary into a client that sends one SOA query
// every 10 ms to the address it names until killed; it runs in the
// router's namespace, so its queries follow the router's best route.
const streamEnv = "ANYCLOUD_ANNOUNCE_STREAM"

// streamFromEnv optionally names the stream's source address.
const streamFromEnv = "ANYCLOUD_ANNOUNCE_STREAM_FROM"

func runStream(target string) {
	q := new(dns.Msg)
	q.SetQuestion("example.", dns.TypeSOA)
	msg, _ := q.Pack()
	d := net.Dialer{}
	if from := os.Getenv(streamFromEnv); from != "" {
		d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(from)}
	}
	for i := 0; i < 100000; i++ { // 1000 s at most
		if c, err := d.Dial("udp", target); err == nil {
			c.Write(msg)
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// routerGS is the router: it honours GRACEFUL_SHUTDOWN as RFC 8326 section
// 4 asks (local preference 0), and has a second path to the service, from
// node2, with a longer AS path, so that it prefers node1 until node1
// announces graceful shutdown. Its kernel protocol installs the best route,
// which the query stream from its namespace follows.
const routerGS = `router id 192.0.2.2;
log "%[1]s/router.log" all;
protocol device { scan time 10; }
protocol kernel { ipv4 { import none; export all; }; }
filter honour_gshut {
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	accept;
}
template bgp node {
	local as 64501;
	passive on;
	hold time 3; keepalive time 1; connect retry time 1;
}
protocol bgp node1 from node {
	neighbor 192.0.2.1 as 64500;
	ipv4 { import filter honour_gshut; export none; };
}
protocol bgp node2 from node {
	neighbor 192.0.2.6 as 64500;
	ipv4 { import filter honour_gshut; export none; };
}
`

// node2GS is the other node: a BIRD announcing the service /32 with two
// extra copies of its AS, so it loses to node1's normal route.
const node2GS = `router id 192.0.2.6;
log "%[1]s/node2.log" all;
protocol device { scan time 10; }
protocol static { ipv4; route 198.51.100.53/32 blackhole { bgp_path.prepend(64500); bgp_path.prepend(64500); }; }
protocol bgp up {
	local as 64500;
	neighbor 192.0.2.5 as 64501;
	hold time 3; keepalive time 1; connect retry time 1;
	ipv4 { import none; export all; };
}
`

// TestDrainGracefulShutdownNetns: a GoBGP node serving DNS, a BIRD router
// that honours GRACEFUL_SHUTDOWN and a second node with a longer path; a
// client in the router's namespace queries the service address every
// 10 ms. On drain the router must first see node1's route with (65535,0)
// and the prepends, move its best route (and the stream) to node2 while
// node1's route still exists, and only then, once node1 saw no query for
// drain-quiet, lose node1's route. A second stream, from 192.0.2.9, is
// pinned to node1 by a policy route, as traffic from routers that ignore
// the community would be: the withdrawal must wait until it stops.
func TestDrainGracefulShutdownNetns(t *testing.T) {
	requireNetnsTools(t)
	dir := t.TempDir()
	nodeNS, routerNS, node2NS := nsName(t, "gsn1"), nsName(t, "gsrt"), nsName(t, "gsn2")
	for _, ns := range []string{nodeNS, routerNS, node2NS} {
		newNetns(t, ns)
	}
	run(t, "ip", "-n", nodeNS, "link", "add", "name", "up0", "type", "veth", "peer", "name", "dn1", "netns", routerNS)
	run(t, "ip", "-n", node2NS, "link", "add", "name", "up0", "type", "veth", "peer", "name", "dn2", "netns", routerNS)
	for _, c := range [][]string{
		{"-n", nodeNS, "addr", "add", "192.0.2.1/30", "dev", "up0"},
		{"-n", nodeNS, "addr", "add", "198.51.100.53/32", "dev", "lo"},
		{"-n", nodeNS, "link", "set", "up0", "up"},
		{"-n", node2NS, "addr", "add", "192.0.2.6/30", "dev", "up0"},
		{"-n", node2NS, "link", "set", "up0", "up"},
		{"-n", routerNS, "addr", "add", "192.0.2.2/30", "dev", "dn1"},
		{"-n", routerNS, "addr", "add", "192.0.2.5/30", "dev", "dn2"},
		{"-n", routerNS, "link", "set", "dn1", "up"},
		{"-n", routerNS, "link", "set", "dn2", "up"},
		{"-n", routerNS, "addr", "add", "192.0.2.9/32", "dev", "lo"},
		{"-n", routerNS, "rule", "add", "from", "192.0.2.9", "table", "100"},
		{"-n", routerNS, "route", "add", "198.51.100.53/32", "via", "192.0.2.1", "table", "100"},
	} {
		run(t, append([]string{"ip"}, c...)...)
	}
	routerSock, node2Sock := filepath.Join(dir, "router.ctl"), filepath.Join(dir, "node2.ctl")
	os.WriteFile(filepath.Join(dir, "router.conf"), []byte(fmt.Sprintf(routerGS, dir)), 0o644)
	os.WriteFile(filepath.Join(dir, "node2.conf"), []byte(fmt.Sprintf(node2GS, dir)), 0o644)
	startInNetns(t, routerNS, nil, filepath.Join(dir, "router.out"), "bird", "-f", "-c", filepath.Join(dir, "router.conf"), "-s", routerSock, "-P", filepath.Join(dir, "router.pid"))
	startInNetns(t, node2NS, nil, filepath.Join(dir, "node2.out"), "bird", "-f", "-c", filepath.Join(dir, "node2.conf"), "-s", node2Sock, "-P", filepath.Join(dir, "node2.pid"))

	service := netip.MustParseAddr("198.51.100.53")
	spec := helperSpec{
		FailFile: filepath.Join(dir, "fail"), Ready: filepath.Join(dir, "ready"),
		ServeDNS: []string{"198.51.100.53:53"}, Service: service,
		Config: Config{
			LocalAS: 64500, RouterID: netip.MustParseAddr("192.0.2.1"),
			Peers:    []Peer{{Address: netip.MustParseAddr("192.0.2.2"), AS: 64501}},
			Prefixes: []Prefix{{Prefix: netip.MustParsePrefix("198.51.100.53/32"), Communities: []string{"64500:53"}}},
			// Bounds far above what the drain should need, so that a
			// drain that does not follow the traffic shows.
			GracefulWait: 8 * time.Second, DrainWait: 8 * time.Second, DrainQuiet: 500 * time.Millisecond,
		},
	}
	specFile := filepath.Join(dir, "spec.json")
	data, _ := json.Marshal(spec)
	os.WriteFile(specFile, data, 0o644)
	exe, _ := os.Executable()
	helper := startInNetns(t, nodeNS, []string{helperEnv + "=" + specFile}, filepath.Join(dir, "helper.out"), exe)

	fromNode1 := func() string {
		return birdc(routerSock, "show", "route", "198.51.100.53/32", "protocol", "node1", "all")
	}
	bestVia := func() string {
		out := run(t, "ip", "-n", routerNS, "route", "get", "198.51.100.53")
		if strings.Contains(out, "192.0.2.1 ") {
			return "node1"
		}
		if strings.Contains(out, "192.0.2.6 ") {
			return "node2"
		}
		return out
	}
	waitFor(t, "the router to prefer node1", 20*time.Second, func() bool {
		return strings.Contains(fromNode1(), "198.51.100.53/32") && bestVia() == "node1" &&
			strings.Contains(birdc(routerSock, "show", "route", "198.51.100.53/32", "protocol", "node2"), "198.51.100.53/32")
	})
	startInNetns(t, routerNS, []string{streamEnv + "=198.51.100.53:53"}, filepath.Join(dir, "stream.out"), exe)
	before := udpIn(t, nodeNS)
	time.Sleep(500 * time.Millisecond)
	if got := udpIn(t, nodeNS) - before; got < 20 {
		t.Fatalf("node1 received %d UDP datagrams in 500 ms of the stream, want about 50", got)
	}

	pinned := startInNetns(t, routerNS, []string{streamEnv + "=198.51.100.53:53", streamFromEnv + "=192.0.2.9"}, filepath.Join(dir, "pinned.out"), exe)
	const pinnedFor = 1500 * time.Millisecond

	// SIGTERM drains, as `anycloud node` does on stop.
	start := time.Now()
	helper.Process.Signal(syscall.SIGTERM)
	time.AfterFunc(pinnedFor, func() { pinned.Process.Kill() })
	var graceful string
	waitFor(t, "the graceful-shutdown route", 5*time.Second, func() bool {
		graceful = fromNode1()
		return strings.Contains(graceful, "(65535,0)")
	})
	gsAt := time.Since(start)
	for _, want := range []string{"BGP.as_path: 64500 64500 64500 64500\n", "(64500,53)", "BGP.local_pref: 0"} {
		if !strings.Contains(graceful, want) {
			t.Errorf("graceful-shutdown route lacks %q:\n%s", want, graceful)
		}
	}
	waitFor(t, "the router to prefer node2", 5*time.Second, func() bool { return bestVia() == "node2" })
	movedAt := time.Since(start)
	if !strings.Contains(fromNode1(), "198.51.100.53/32") {
		t.Fatalf("node1's route was gone when the router moved to node2: traffic moved by withdrawal, not graceful shutdown")
	}
	waitFor(t, "the withdrawal", 10*time.Second, func() bool { return !strings.Contains(fromNode1(), "198.51.100.53/32") })
	goneAt := time.Since(start)
	t.Logf("after SIGTERM: graceful-shutdown route at %v, router moved to node2 at %v, node1 withdrawn at %v",
		gsAt, movedAt, goneAt)
	// The withdrawal comes once node1 has seen no query for drain-quiet
	// after the pinned stream stopped, and well before GracefulWait: it
	// followed the traffic, not the bound.
	if goneAt < pinnedFor+spec.Config.DrainQuiet-150*time.Millisecond || goneAt > spec.Config.GracefulWait-time.Second {
		t.Errorf("withdrawn %v after SIGTERM, want after the pinned stream stopped (%v) and drain-quiet (%v), before graceful-wait (%v)",
			goneAt, pinnedFor, spec.Config.DrainQuiet, spec.Config.GracefulWait)
	}
	exited := make(chan error, 1)
	go func() { _, err := helper.Process.Wait(); exited <- err }()
	select {
	case <-exited:
		t.Logf("node stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Errorf("node did not stop after draining")
	}
}

// udpIn reads the UDP InDatagrams counter of namespace ns.
func udpIn(t *testing.T, ns string) uint64 {
	t.Helper()
	out := run(t, "ip", "netns", "exec", ns, "cat", "/proc/net/snmp")
	var header []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		f := strings.Fields(line)
		if header == nil {
			header = f
			continue
		}
		for i, name := range header {
			if name == "InDatagrams" && i < len(f) {
				var n uint64
				fmt.Sscan(f[i], &n)
				return n
			}
		}
	}
	t.Fatalf("no Udp InDatagrams in %s's /proc/net/snmp", ns)
	return 0
}
