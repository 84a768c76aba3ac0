package announce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

const birdNodeConf = `router id 192.0.2.1;
log "%[1]s/node.log" all;
protocol device { scan time 10; }
include "%[1]s/anycloud.conf";
template bgp up {
	local as 64500;
	hold time 3; keepalive time 1; connect retry time 1;
}
protocol bgp up4 from up {
	neighbor 192.0.2.2 as 64501;
	ipv4 { import none; export filter anycloud_export; };
}
protocol bgp up6 from up {
	neighbor 2001:db8:ff::2 as 64501;
	ipv6 { import none; export filter anycloud_export; };
}
`

// TestBIRDModeAnnouncer drives a node's own BIRD through the include file
// and birdc; a second BIRD (the router) must learn and lose the prefixes.
func TestBIRDModeAnnouncer(t *testing.T) {
	testenv.Interop(t, "bird")
	requireNetnsTools(t)
	dir := t.TempDir()
	nodeNS, routerNS := nsName(t, "bnode"), nsName(t, "brtr")
	newNetns(t, nodeNS)
	newNetns(t, routerNS)
	run(t, "ip", "-n", nodeNS, "link", "add", "name", "up0", "type", "veth", "peer", "name", "dn0", "netns", routerNS)
	for _, c := range [][]string{
		{"-n", nodeNS, "addr", "add", "192.0.2.1/30", "dev", "up0"},
		{"-n", nodeNS, "addr", "add", "2001:db8:ff::1/64", "dev", "up0", "nodad"},
		{"-n", nodeNS, "link", "set", "up0", "up"},
		{"-n", routerNS, "addr", "add", "192.0.2.2/30", "dev", "dn0"},
		{"-n", routerNS, "addr", "add", "2001:db8:ff::2/64", "dev", "dn0", "nodad"},
		{"-n", routerNS, "link", "set", "dn0", "up"},
	} {
		run(t, append([]string{"ip"}, c...)...)
	}
	include := filepath.Join(dir, "anycloud.conf")
	os.WriteFile(include, []byte(BIRDInclude("anycloud", 64500, nil)), 0o644)
	os.WriteFile(filepath.Join(dir, "node.conf"), []byte(fmt.Sprintf(birdNodeConf, dir)), 0o644)
	os.WriteFile(filepath.Join(dir, "router.conf"), []byte(fmt.Sprintf(birdPeerConf, dir)), 0o644)
	nodeSock, routerSock := filepath.Join(dir, "node.ctl"), filepath.Join(dir, "router.ctl")
	startInNetns(t, nodeNS, nil, filepath.Join(dir, "node.out"), "bird", "-f", "-c", filepath.Join(dir, "node.conf"), "-s", nodeSock, "-P", filepath.Join(dir, "node.pid"))
	startInNetns(t, routerNS, nil, filepath.Join(dir, "router.out"), "bird", "-f", "-c", filepath.Join(dir, "router.conf"), "-s", routerSock, "-P", filepath.Join(dir, "router.pid"))

	failFile := filepath.Join(dir, "fail")
	check := FuncCheck("fail-file", func(context.Context) error {
		if _, err := os.Stat(failFile); err == nil {
			return errors.New("fail file present")
		}
		return nil
	})
	med := uint32(50)
	cfg := Config{
		Mode:    ModeBIRD,
		LocalAS: 64500,
		BIRD:    BIRDConfig{IncludeFile: include, Socket: nodeSock},
		Prefixes: []Prefix{
			{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Prepend: 1, MED: &med, LargeCommunities: []string{"64500:1:53"}},
			{Prefix: netip.MustParsePrefix("2001:db8:53::/48")},
		},
	}
	waitFor(t, "node BIRD control socket", 5*time.Second, func() bool { return strings.Contains(birdc(nodeSock, "show", "status"), "Daemon is up") })
	a, ctx := runAnnouncer(t, cfg, []Check{check}, slog.New(slog.NewTextHandler(os.Stderr, nil)), nil)

	routeV4 := func() string { return birdc(routerSock, "show", "route", "198.51.100.0/24", "all") }
	waitFor(t, "router to learn the prefixes", 15*time.Second, func() bool {
		return strings.Contains(routeV4(), "198.51.100.0/24") && strings.Contains(birdc(routerSock, "show", "route", "2001:db8:53::/48"), "2001:db8:53::/48")
	})
	for _, want := range []string{"BGP.origin: IGP", "BGP.as_path: 64500 64500", "BGP.next_hop: 192.0.2.1", "BGP.med: 50", "BGP.large_community: (64500, 1, 53)"} {
		if v4 := routeV4(); !strings.Contains(v4, want) {
			t.Errorf("route lacks %q:\n%s", want, v4)
		}
	}
	os.WriteFile(failFile, nil, 0o644)
	gone := waitFor(t, "withdrawal", 5*time.Second, func() bool { return !strings.Contains(routeV4(), "198.51.100.0/24") })
	t.Logf("withdrawn %v after health turned bad", gone)
	if gone < 400*time.Millisecond || gone > 2*time.Second {
		t.Errorf("withdrawal took %v, want between 0.4 s and 2 s", gone)
	}
	if st := a.Status(ctx); st.State != StateWithdrawn || !strings.Contains(st.Reason, "fail file present") {
		t.Errorf("status = %s (%s), want withdrawn because of the fail file", st.State, st.Reason)
	}
	os.Remove(failFile)
	waitFor(t, "re-announcement", 5*time.Second, func() bool { return strings.Contains(routeV4(), "198.51.100.0/24") })
	if st := a.Status(ctx); st.State != StateAnnounced || len(st.Peers) != 2 {
		t.Errorf("status = %+v, want announced with 2 BGP protocols", st)
	}
}
