package announce

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// birdTwoHopConf is a provider's BIRD one router away from the node.
const birdTwoHopConf = `router id 192.0.2.6;
log "%[1]s/far.log" all;
protocol device { scan time 10; }
protocol static toward { ipv4; route 192.0.2.0/30 via 192.0.2.5; }
protocol bgp node {
	local as 64501; neighbor 192.0.2.1 as 64500; passive on; multihop 2;
	hold time 3; keepalive time 1; connect retry time 1;
	%[2]s
	ipv4 { import all; export none; };
}
`

// TestGoBGPMultihop puts a router namespace between the node and a BIRD:
// the session needs eBGP multihop (TTL 2); GTSM works across the hop when
// both sides allow for it, and the node drops packets that arrive with a
// lower TTL than GTSM allows.
func TestGoBGPMultihop(t *testing.T) {
	tests := []struct {
		name     string
		peer     Peer
		birdOpts string
		up       bool
	}{
		{"multihop 2", Peer{Multihop: 2}, "", true},
		{"multihop 2 with GTSM", Peer{Multihop: 2, TTLSecurity: true}, "ttl security on;", true},
		{"directly connected TTL 1", Peer{}, "", false},
		// GTSM at BIRD only: the node's TTL 2 arrives as 1, below 254.
		{"GTSM at the router only", Peer{Multihop: 2}, "ttl security on;", false},
		// The node's own check: it expects 255 from a direct peer, and
		// BIRD's 255 arrives as 254 across the router.
		{"GTSM expecting a direct peer", Peer{TTLSecurity: true}, "ttl security on;", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTopo(t)
			rtr, _ := tp.link("hop", 0) // node 192.0.2.1, router 192.0.2.2
			far := nsName(t, "far")
			newNetns(t, far)
			veth(t, rtr, "dn1", "192.0.2.5/30", far, "up1", "192.0.2.6/30")
			for _, c := range [][]string{
				{"-n", tp.node, "route", "add", "192.0.2.4/30", "via", "192.0.2.2"},
				{"-n", far, "route", "add", "192.0.2.0/30", "via", "192.0.2.5"},
			} {
				run(t, append([]string{"ip"}, c...)...)
			}
			run(t, "ip", "netns", "exec", rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1")
			conf := filepath.Join(tp.dir, "far.conf")
			os.WriteFile(conf, []byte(fmt.Sprintf(birdTwoHopConf, tp.dir, tc.birdOpts)), 0o644)
			sock := filepath.Join(tp.dir, "far.ctl")
			startInNetns(t, far, nil, filepath.Join(tp.dir, "far.out"), "bird", "-f", "-c", conf, "-s", sock, "-P", filepath.Join(tp.dir, "far.pid"))

			peer := tc.peer
			peer.Address, peer.AS = netip.MustParseAddr("192.0.2.6"), 64501
			tp.announcer(Config{
				LocalAS:  64500,
				RouterID: netip.MustParseAddr("192.0.2.1"),
				Peers:    []Peer{peer},
				Prefixes: []Prefix{{Prefix: netip.MustParsePrefix(servicePrefixes[0])}},
			})
			// The negative case means something only with BIRD running.
			waitFor(t, "BIRD to start", 5*time.Second, func() bool { return strings.Contains(birdc(sock, "show", "status"), "Daemon is up") })
			established := func() bool { return strings.Contains(birdc(sock, "show", "protocols", "node"), "Established") }
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("BIRD: %s", birdc(sock, "show", "protocols", "all"))
					data, _ := os.ReadFile(filepath.Join(tp.dir, "far.log"))
					t.Logf("BIRD log: %s", tail(string(data), 2000))
				}
			})
			if tc.up {
				waitFor(t, "the session across the router", 15*time.Second, established)
				waitFor(t, "the service prefix", 5*time.Second, func() bool { return hasAll(birdRoutes(sock), servicePrefixes[:1]) })
				return
			}
			for end := time.Now().Add(6 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
				if established() {
					t.Fatalf("the session came up across the router, want it refused (TTL)")
				}
			}
		})
	}
}
