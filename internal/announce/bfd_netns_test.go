package announce

import (
	"anycloud/internal/testenv"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// routerBFD is the router of the BFD test: it runs BFD with the node when
// bfd is "on" and honours GRACEFUL_SHUTDOWN.
const routerBFD = `router id 192.0.2.2;
log "%[1]s/router.log" all;
protocol device { scan time 10; }
protocol bfd { interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
filter honour_gshut {
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	accept;
}
protocol bgp node4 {
	local as 64501;
	neighbor 192.0.2.1 as 64500;
	passive on;
	hold time 3; keepalive time 1; connect retry time 1;
	bfd %[2]s;
	ipv4 { import filter honour_gshut; export none; };
}
`

// nodeBFD is the node's own BIRD: the include from anycloud, and a BGP
// session that inherits the include's template (BFD on) when it has one.
const nodeBFD = `router id 192.0.2.1;
log "%[1]s/node.log" all;
protocol device { scan time 10; }
include "%[1]s/anycloud.conf";
protocol bgp up4 %[2]s {
	local as 64500;
	neighbor 192.0.2.2 as 64501;
	hold time 3; keepalive time 1; connect retry time 1;
	ipv4 { import none; export filter anycloud_export; };
}
`

// TestBIRDModeBFD runs the node's BIRD driven by the announcer and a router
// BIRD, makes the node silent (nftables drops every packet on its link, as
// `lab fail NODE silent` does) and measures how long the router keeps the
// route: under 0.5 s with the include's BFD, the 3 s hold time without.
// It also drains once with BFD on: the router sees the graceful-shutdown
// route (65535,0 and the prepends) before the withdrawal.
func TestBIRDModeBFD(t *testing.T) {
	requireNetnsTools(t)
	testenv.RequireCommand(t, "nft")
	for _, tc := range []struct {
		name             string
		bfd              bool
		minGone, maxGone time.Duration
	}{
		{name: "bfd", bfd: true, minGone: 0, maxGone: 500 * time.Millisecond},
		{name: "hold-timer", bfd: false, minGone: 2 * time.Second, maxGone: 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			silentNodeTest(t, tc.bfd, tc.minGone, tc.maxGone)
		})
	}
}

func silentNodeTest(t *testing.T, bfd bool, minGone, maxGone time.Duration) {
	dir := t.TempDir()
	nodeNS, routerNS := nsName(t, "bfdn"), nsName(t, "bfdr")
	newNetns(t, nodeNS)
	newNetns(t, routerNS)
	veth(t, nodeNS, "up0", "192.0.2.1/30", routerNS, "dn0", "192.0.2.2/30")
	var bfdCfg *BFDConfig
	onOff, from := "off", ""
	if bfd {
		bfdCfg, onOff, from = &BFDConfig{}, "on", "from anycloud_bgp"
	}
	include := filepath.Join(dir, "anycloud.conf")
	cfg := Config{
		Mode: ModeBIRD, LocalAS: 64500,
		BIRD:         BIRDConfig{IncludeFile: include, Socket: filepath.Join(dir, "node.ctl"), BFD: bfdCfg},
		Prefixes:     []Prefix{{Prefix: netip.MustParsePrefix("198.51.100.0/24")}},
		GracefulWait: 700 * time.Millisecond, DrainWait: 100 * time.Millisecond,
	}
	full := cfg.WithDefaults()
	os.WriteFile(include, []byte(BIRDInclude("anycloud", 64500, nil)+BIRDBFD("anycloud", full.BIRD.BFD)), 0o644)
	os.WriteFile(filepath.Join(dir, "node.conf"), []byte(fmt.Sprintf(nodeBFD, dir, from)), 0o644)
	os.WriteFile(filepath.Join(dir, "router.conf"), []byte(fmt.Sprintf(routerBFD, dir, onOff)), 0o644)
	nodeSock, routerSock := cfg.BIRD.Socket, filepath.Join(dir, "router.ctl")
	startInNetns(t, nodeNS, nil, filepath.Join(dir, "node.out"), "bird", "-f", "-c", filepath.Join(dir, "node.conf"), "-s", nodeSock, "-P", filepath.Join(dir, "node.pid"))
	startInNetns(t, routerNS, nil, filepath.Join(dir, "router.out"), "bird", "-f", "-c", filepath.Join(dir, "router.conf"), "-s", routerSock, "-P", filepath.Join(dir, "router.pid"))
	waitFor(t, "node BIRD control socket", 5*time.Second, func() bool { return strings.Contains(birdc(nodeSock, "show", "status"), "Daemon is up") })
	ok := FuncCheck("ok", func(context.Context) error { return nil })
	a, ctx := runAnnouncer(t, cfg, []Check{ok}, slog.New(slog.DiscardHandler), nil)

	route := func() string { return birdc(routerSock, "show", "route", "198.51.100.0/24", "all") }
	waitFor(t, "the router to learn the prefix", 15*time.Second, func() bool { return strings.Contains(route(), "198.51.100.0/24") })
	if bfd {
		waitFor(t, "the BFD session up", 5*time.Second, func() bool { return strings.Contains(birdc(routerSock, "show", "bfd", "sessions"), "Up") })

		// Drain: graceful-shutdown route first, then the withdrawal.
		drained := make(chan error, 1)
		go func() { drained <- a.Drain(ctx) }()
		var gs string
		waitFor(t, "the graceful-shutdown route", 3*time.Second, func() bool { gs = route(); return strings.Contains(gs, "(65535,0)") })
		for _, want := range []string{"BGP.as_path: 64500 64500 64500 64500\n", "BGP.local_pref: 0"} {
			if !strings.Contains(gs, want) {
				t.Errorf("graceful-shutdown route lacks %q:\n%s", want, gs)
			}
		}
		waitFor(t, "the drain's withdrawal", 3*time.Second, func() bool { return !strings.Contains(route(), "198.51.100.0/24") })
		if err := <-drained; err != nil {
			t.Fatal(err)
		}
		a.Undrain()
		waitFor(t, "the route back", 5*time.Second, func() bool {
			r := route()
			return strings.Contains(r, "198.51.100.0/24") && !strings.Contains(r, "65535,0")
		})
	}
	rules := filepath.Join(dir, "silent.nft")
	os.WriteFile(rules, []byte(`table inet anycloud_test {
	chain input { type filter hook input priority 0; iifname "up0" drop; }
	chain output { type filter hook output priority 0; oifname "up0" drop; }
}
`), 0o644)
	run(t, "ip", "netns", "exec", nodeNS, "nft", "-f", rules)
	silent := time.Now()
	var gone time.Duration
	for time.Since(silent) < 6*time.Second {
		if !strings.Contains(route(), "198.51.100.0/24") {
			gone = time.Since(silent)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("BFD %v: the router dropped the silent node's route %v after the silence began", bfd, gone.Round(time.Millisecond))
	if gone == 0 || gone < minGone || gone > maxGone {
		t.Errorf("route gone after %v (0: never within 6 s), want %v..%v", gone, minGone, maxGone)
	}
}
