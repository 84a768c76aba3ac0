package cloud

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anycloud/internal/lab"
	"anycloud/internal/testenv"
	"anycloud/internal/web/browser"
)

// testDashboardBrowser opens the hub's dashboard in a real headless
// Chromium through the host's forwarded port, as an operator would: the
// page loads with no console error, shows every node of the lab announcing
// and every city linked to its nearest node, shows a node drained with
// `lab fail NODE drain` within seconds (and its alert), and announcing again
// after `lab heal`.
//
// ANYCLOUD_LAB_DASHBOARD_PNG=docs/anycast-lab-dashboard.png keeps a
// screenshot of the page taken while the node is drained.
func (l *testLab) testDashboardBrowser(t *testing.T) {
	if _, err := browser.Find(); err != nil {
		testenv.Skipf(t, "%v: dashboard browser test skipped (apt-get install chromium)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx, stop, err := browser.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var errs browser.Errors
	if err := errs.Listen(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	url := "http://" + l.forward + "/"
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(`circle.node`)); err != nil {
		t.Fatalf("dashboard at %s did not load: %v", url, err)
	}
	for _, n := range l.topo.Nodes {
		waitMap(t, bctx, fmt.Sprintf(`circle[data-node="node-%s"][data-state="announcing"]`, n), 15*time.Second)
	}
	if got := countOnPage(t, bctx, "circle.node"); got != len(l.topo.Nodes) {
		t.Errorf("the map shows %d nodes, the lab has %d", got, len(l.topo.Nodes))
	}
	for city, node := range l.expected("") {
		waitMap(t, bctx, fmt.Sprintf(`line[data-vantage=%q][data-node=%q]`, city, node), 15*time.Second)
	}

	node := "node-" + l.topo.Nodes[len(l.topo.Nodes)-1]
	start := time.Now()
	if err := lab.Fail(ctx, l.dir, node, lab.FailDrain, l.cloud); err != nil {
		t.Fatal(err)
	}
	healed := false
	defer func() {
		if !healed {
			lab.Heal(context.Background(), l.dir, node, l.cloud)
		}
	}()
	waitMap(t, bctx, fmt.Sprintf(`circle[data-node=%q][data-state="drained"]`, node), 15*time.Second)
	t.Logf("the dashboard showed %s drained %v after `lab fail %s drain`", node, time.Since(start).Round(100*time.Millisecond), node)
	// The lab's monitor records no alert in its first 30 s (alerts.grace),
	// then raises one after two 2 s rounds.
	waitMap(t, bctx, fmt.Sprintf(`#alerts-active li[data-alert="node_drained/%s"]`, node), 45*time.Second)
	if path := os.Getenv("ANYCLOUD_LAB_DASHBOARD_PNG"); path != "" {
		labScreenshot(t, bctx, path)
	}
	if err := lab.Heal(ctx, l.dir, node, l.cloud); err != nil {
		t.Fatal(err)
	}
	healed = true
	start = time.Now()
	waitMap(t, bctx, fmt.Sprintf(`circle[data-node=%q][data-state="announcing"]`, node), 15*time.Second)
	t.Logf("and announcing again %v after `lab heal`", time.Since(start).Round(100*time.Millisecond))
	l.waitCatchments(t, l.expected(""), 15*time.Second) // leave the lab as found
	if e := errs.Get(); len(e) > 0 {
		t.Fatalf("errors on the dashboard page:\n%s", strings.Join(e, "\n"))
	}
}

// waitMap waits until sel is visible on the page.
func waitMap(t *testing.T, ctx context.Context, sel string, limit time.Duration) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(sel)); err != nil {
		t.Fatalf("the dashboard did not show %s within %v: %v", sel, limit, err)
	}
}

func countOnPage(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// labScreenshot keeps a full-page image once the traffic charts are drawn.
func labScreenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	waitMap(t, ctx, ".chart rect", 20*time.Second)
	time.Sleep(500 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
