package announce

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

const birdPeerConf = `router id 192.0.2.2;
log "%[1]s/bird.log" all;
protocol device { scan time 10; }
template bgp node {
	local as 64501;
	passive on;
	hold time 3; keepalive time 1; connect retry time 1;
}
protocol bgp node4 from node {
	neighbor 192.0.2.1 as 64500;
	ipv4 { import all; export none; };
}
protocol bgp node6 from node {
	neighbor 2001:db8:ff::1 as 64500;
	ipv6 { import all; export none; };
}
`

// TestGoBGPAnnouncerWithBIRD runs the GoBGP announcer in one namespace and a
// real BIRD 2 in another, and checks what BIRD learns as health changes.
func TestGoBGPAnnouncerWithBIRD(t *testing.T) {
	testenv.Interop(t, "bird")
	requireNetnsTools(t)
	dir := t.TempDir()
	speakerNS, birdNS := nsName(t, "spk"), nsName(t, "bird")
	newNetns(t, speakerNS)
	newNetns(t, birdNS)
	run(t, "ip", "-n", speakerNS, "link", "add", "name", "up0", "type", "veth", "peer", "name", "dn0", "netns", birdNS)
	for _, c := range [][]string{
		{"-n", speakerNS, "addr", "add", "192.0.2.1/30", "dev", "up0"},
		{"-n", speakerNS, "addr", "add", "2001:db8:ff::1/64", "dev", "up0", "nodad"},
		{"-n", speakerNS, "link", "set", "up0", "up"},
		{"-n", birdNS, "addr", "add", "192.0.2.2/30", "dev", "dn0"},
		{"-n", birdNS, "addr", "add", "2001:db8:ff::2/64", "dev", "dn0", "nodad"},
		{"-n", birdNS, "link", "set", "dn0", "up"},
	} {
		run(t, append([]string{"ip"}, c...)...)
	}

	sock := filepath.Join(dir, "bird.ctl")
	conf := filepath.Join(dir, "bird.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(birdPeerConf, dir)), 0o644)
	startInNetns(t, birdNS, nil, filepath.Join(dir, "bird.out"), "bird", "-f", "-c", conf, "-s", sock, "-P", filepath.Join(dir, "bird.pid"))

	spec := helperSpec{
		FailFile: filepath.Join(dir, "fail"),
		Ready:    filepath.Join(dir, "ready"),
		Config: Config{
			LocalAS:  64500,
			RouterID: netip.MustParseAddr("192.0.2.1"),
			Peers: []Peer{
				{Address: netip.MustParseAddr("192.0.2.2"), AS: 64501},
				{Address: netip.MustParseAddr("2001:db8:ff::2"), AS: 64501},
			},
			Prefixes: []Prefix{
				{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Communities: []string{"no-export", "64500:53"}, Prepend: 1},
				{Prefix: netip.MustParsePrefix("2001:db8:53::/48")},
			},
			DrainWait: 1500 * time.Millisecond, GracefulWait: 500 * time.Millisecond,
		},
	}
	specFile := filepath.Join(dir, "spec.json")
	data, _ := json.Marshal(spec)
	os.WriteFile(specFile, data, 0o644)
	exe, _ := os.Executable()
	helper := startInNetns(t, speakerNS, []string{helperEnv + "=" + specFile}, filepath.Join(dir, "helper.out"), exe)

	routeV4 := func() string { return birdc(sock, "show", "route", "198.51.100.0/24", "all") }
	routeV6 := func() string { return birdc(sock, "show", "route", "2001:db8:53::/48", "all") }
	took := waitFor(t, "BIRD to learn both prefixes", 15*time.Second, func() bool {
		return strings.Contains(routeV4(), "198.51.100.0/24") && strings.Contains(routeV6(), "2001:db8:53::/48")
	})
	t.Logf("first announcement learned after %v", took)

	// The speaker dialed out: nothing listens on TCP 179 in its namespace.
	if out := run(t, "ip", "netns", "exec", speakerNS, "ss", "-Hltn", "sport = :179"); strings.TrimSpace(out) != "" {
		t.Errorf("the speaker listens on :179:\n%s", out)
	}

	v4, v6 := routeV4(), routeV6()
	for _, want := range []string{"BGP.origin: IGP", "BGP.as_path: 64500 64500", "BGP.next_hop: 192.0.2.1", "(65535,65281)", "(64500,53)"} {
		if !strings.Contains(v4, want) {
			t.Errorf("IPv4 route lacks %q:\n%s", want, v4)
		}
	}
	for _, want := range []string{"BGP.origin: IGP", "BGP.as_path: 64500\n", "BGP.next_hop: 2001:db8:ff::1"} {
		if !strings.Contains(v6, want) {
			t.Errorf("IPv6 route lacks %q:\n%s", want, v6)
		}
	}

	// Health turns bad: withdrawn after 3 bad checks (250 ms apart), so
	// never at once and well within two seconds.
	os.WriteFile(spec.FailFile, nil, 0o644)
	gone := waitFor(t, "withdrawal", 5*time.Second, func() bool { return !strings.Contains(routeV4(), "198.51.100.0/24") })
	t.Logf("withdrawn %v after health turned bad", gone)
	if gone < 400*time.Millisecond || gone > 2*time.Second {
		t.Errorf("withdrawal took %v, want between 0.4 s (hysteresis) and 2 s", gone)
	}

	os.Remove(spec.FailFile)
	back := waitFor(t, "re-announcement", 5*time.Second, func() bool { return strings.Contains(routeV4(), "198.51.100.0/24") })
	t.Logf("announced again %v after health recovered", back)
	if back > 2*time.Second {
		t.Errorf("re-announcement took %v, want under 2 s", back)
	}

	// Drain (SIGTERM): graceful shutdown (65535:0, RFC 8326) for
	// GracefulWait (no traffic counter here), then withdrawn while the
	// process still runs, then it exits.
	helper.Process.Signal(syscall.SIGTERM)
	waitFor(t, "graceful-shutdown route", 2*time.Second, func() bool { return strings.Contains(routeV6(), "(65535,0)") })
	waitFor(t, "drain withdrawal", 3*time.Second, func() bool { return !strings.Contains(routeV6(), "2001:db8:53::/48") })
	if err := helper.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("helper exited before the drain wait: %v", err)
	}
	exited := make(chan error, 1)
	go func() { _, err := helper.Process.Wait(); exited <- err }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Errorf("helper did not stop after draining")
	}
}

func birdc(sock string, args ...string) string {
	out, _ := exec.Command("birdc", append([]string{"-s", sock}, args...)...).CombinedOutput()
	return string(out)
}
