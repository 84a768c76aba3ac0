package monitor

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anycloud/internal/testenv"
	"anycloud/internal/web/browser"
)

// chromium marks an interop test that needs Debian's chromium.
func chromium(t *testing.T) {
	testenv.Interop(t, "chromium")
	if _, err := browser.Find(); err != nil {
		testenv.Skipf(t, "%v: dashboard test skipped (apt-get install chromium)", err)
	}
}

// labCloud is a small cloud like the lab's: real engines for the primary,
// the hub and three nodes (one stuck on an old serial), status endpoints
// for the nodes' announcers, and the lab's six cities as vantages.
type labCloud struct {
	monitor *Monitor
	status  map[string]*statusServer
	engines map[string]*engine
}

func startLabCloud(t *testing.T) *labCloud {
	lc := &labCloud{status: map[string]*statusServer{}, engines: map[string]*engine{}}
	zones := []string{"sv.", "do.", "gt."}
	primary := startEngine(t, "primary", "sv.", 2026112604)
	for _, z := range zones[1:] {
		primary.publish(t, z, 2026112601)
	}
	hub := startEngine(t, "hub", "sv.", 2026112604)
	for _, z := range zones[1:] {
		hub.publish(t, z, 2026112601)
	}
	cfg := Config{Interval: 300 * time.Millisecond, Timeout: time.Second, StaleAfter: time.Second,
		Hub:    &Server{Name: "hub", Addresses: []string{hub.addr}},
		Alerts: AlertConfig{RaiseAfter: 2, ClearAfter: 3}}
	for _, z := range zones {
		cfg.Zones = append(cfg.Zones, ZoneConfig{Zone: z, Primaries: []string{primary.addr}})
	}
	nodes := []struct {
		name, city string
		lat, lon   float64
		svSerial   uint32
	}{
		{"node-santiago", "Santiago", -33.45, -70.67, 2026112604},
		{"node-sao-paulo", "São Paulo", -23.55, -46.63, 2026112604},
		{"node-mexico-city", "Mexico City", 19.43, -99.13, 2026112602},
	}
	for _, n := range nodes {
		e := startEngine(t, n.name, "sv.", n.svSerial)
		for _, z := range zones[1:] {
			e.publish(t, z, 2026112601)
		}
		lc.engines[n.name] = e
		lc.status[n.name] = newStatusServer(t, "announced", "healthy")
		cfg.Nodes = append(cfg.Nodes, NodeConfig{Name: n.name, City: n.city, Lat: n.lat, Lon: n.lon,
			Unicast: []string{e.addr}, StatusURL: lc.status[n.name].srv.URL, MetricsURL: nodeMetrics(t, e)})
	}
	vantages := []struct {
		name, city, node string
		lat, lon         float64
	}{
		{"santiago", "Santiago", "node-santiago", -33.45, -70.67},
		{"sao-paulo", "São Paulo", "node-sao-paulo", -23.55, -46.63},
		{"bogota", "Bogotá", "node-santiago", 4.71, -74.07},
		{"san-jose", "San José", "node-mexico-city", 9.93, -84.08},
		{"santo-domingo", "Santo Domingo", "node-sao-paulo", 18.49, -69.93},
		{"mexico-city", "Mexico City", "node-mexico-city", 19.43, -99.13},
	}
	for _, v := range vantages {
		cfg.Vantages = append(cfg.Vantages, Vantage{Name: v.name, City: v.city, Lat: v.lat, Lon: v.lon})
	}
	lc.monitor = New(cfg, quietLog())
	now := time.Now()
	lc.monitor.SetOnboarding("gt.", []Step{
		{Name: "key", State: "pass", At: now}, {Name: "transfer trial", State: "pass", At: now},
		{Name: "resolution trial", State: "pass", At: now}, {Name: "synchronisation", State: "pass", At: now},
		{Name: "NS in the zone", State: "pass", At: now},
		{Name: "NS in the parent", State: "pending", Detail: "file the NS change with IANA"},
	})
	for _, v := range vantages {
		// What `anycloud probe` would post: the real answering node by NSID.
		res := probeIdentity("udp", lc.engines[v.node].addr, time.Second)
		res.Address = "198.51.100.53"
		if err := lc.monitor.RecordProbe(ProbeReport{Vantage: v.name, Results: []ProbeResult{res}}); err != nil {
			t.Fatal(err)
		}
	}
	return lc
}

// The dashboard loads without console errors, shows every node, and shows
// a node being drained within seconds.
func TestDashboardInChromium(t *testing.T) {
	chromium(t)
	lc := startLabCloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go lc.monitor.Run(ctx)
	for _, e := range lc.engines {
		sendQueries(t, e.addr, 20)
	}
	web := httptest.NewServer(lc.monitor.Handler())
	defer web.Close()

	bctx, stop, err := browser.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var errs browser.Errors
	if err := errs.Listen(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(web.URL+"/"),
		chromedp.WaitVisible(`circle[data-node="node-mexico-city"]`)); err != nil {
		t.Fatalf("dashboard did not load: %v", err)
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	circles, rows, paths := count("circle.node"), count("#matrix tr[data-zone]"), count("#land path")
	if circles != 3 || rows != 3 || paths < 40 {
		t.Fatalf("page shows %d nodes, %d zone rows, %d land shapes; want 3, 3, 40+", circles, rows, paths)
	}
	steps, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('tr[data-zone="gt."] td.onboarding').textContent`))
	if err != nil || !strings.HasPrefix(steps, "5/6 steps") {
		t.Fatalf("gt. onboarding cell %q (%v), want 5/6 steps", steps, err)
	}

	// mexico-city serves an old serial of sv. and goes stale after 1 s.
	waitState(t, bctx, "node-mexico-city", "stale", 5*time.Second)
	waitState(t, bctx, "node-santiago", "announcing", 5*time.Second)
	lc.status["node-santiago"].set("drained", "maintenance window")
	took := waitState(t, bctx, "node-santiago", "drained", 5*time.Second)
	t.Logf("dashboard showed the drain %v after it happened", took.Round(time.Millisecond))
	if err := chromedp.Do(bctx, chromedp.WaitVisible(`li[data-alert="node_drained/node-santiago"]`)); err != nil {
		t.Fatalf("drain alert not listed: %v", err)
	}
	if path := os.Getenv("ANYCLOUD_DASHBOARD_PNG"); path != "" {
		screenshot(t, bctx, lc, path)
	}
	if e := errs.Get(); len(e) > 0 {
		t.Fatalf("console errors:\n%s", strings.Join(e, "\n"))
	}
	// The listener itself must see errors, or the check above proves nothing.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[any](`console.error("self-test")`)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); len(errs.Get()) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if e := errs.Get(); len(e) != 1 || !strings.Contains(e[0], "self-test") {
		t.Fatalf("the console listener missed a deliberate error: %q", e)
	}
}

// waitState waits until the map shows node in state, and says how long it took.
func waitState(t *testing.T, ctx context.Context, node, state string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	sel := fmt.Sprintf(`circle[data-node=%q][data-state=%q]`, node, state)
	if err := chromedp.Do(wctx, chromedp.WaitVisible(sel)); err != nil {
		t.Fatalf("map did not show %s as %s within %v: %v", node, state, limit, err)
	}
	return time.Since(start)
}

// screenshot keeps an image of the page for docs/dashboard.png, after a
// traffic scrape so the charts have data.
func screenshot(t *testing.T, ctx context.Context, lc *labCloud, path string) {
	for _, e := range lc.engines {
		sendQueries(t, e.addr, 50)
	}
	lc.monitor.ScrapeTraffic(ctx)
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`.chart rect`), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatalf("reloading for the screenshot: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
