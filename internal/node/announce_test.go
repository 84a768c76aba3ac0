package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"anycloud/internal/bearer"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// birdOnlyStatic is a BIRD with no BGP and no kernel protocol: it only
// reads the node's include, so the test sees what the node would announce
// without touching any route of this machine.
const birdOnlyStatic = `router id 192.0.2.1;
log "%[1]s/bird.log" all;
protocol device { scan time 10; }
include "%[1]s/anycloud.conf";
`

// startBIRD runs a private BIRD reading dir/anycloud.conf and returns its
// control socket.
func startBIRD(t *testing.T, dir string) string {
	t.Helper()
	testenv.Interop(t, "bird")
	testenv.RequireCommand(t, "bird", "birdc")
	conf, sock := filepath.Join(dir, "bird.conf"), filepath.Join(dir, "bird.ctl")
	writeFile(t, conf, fmt.Sprintf(birdOnlyStatic, dir))
	writeFile(t, filepath.Join(dir, "anycloud.conf"), "")
	cmd := exec.Command("bird", "-f", "-c", conf, "-s", sock, "-P", filepath.Join(dir, "bird.pid"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	waitUntil(t, "bird control socket", 5*time.Second, func() bool {
		return exec.Command("birdc", "-s", sock, "show", "status").Run() == nil
	})
	return sock
}

func birdHasRoute(sock, prefix string) bool {
	out, _ := exec.Command("birdc", "-s", sock, "show", "route", prefix).CombinedOutput()
	return strings.Contains(string(out), prefix)
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func getStatus(t *testing.T, url string) StatusDoc {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d StatusDoc
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNodeAnnouncesWhileHealthy runs Knot -> hub -> node with the node
// driving a BIRD (mode bird): announced once the zone is served, still
// announced after the hub is gone, withdrawn by drain and back by undrain,
// withdrawn before the process stops, and visible in /status and /metrics.
func TestNodeAnnouncesWhileHealthy(t *testing.T) {
	c := startChain(t, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 3))
	sock := startBIRD(t, c.dir)
	control := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	const drainWait = 400 * time.Millisecond
	c.nodeYAML += fmt.Sprintf(`control: %s
metrics: %s
announce:
  mode: bird
  local-as: 64500
  service: [127.0.0.1]
  prefixes: [{prefix: 198.51.100.53/32}]
  health: {interval: 100ms}
  drain-wait: %v
  bird: {include-file: %s, socket: %s}
`, control, metricsAddr, drainWait, filepath.Join(c.dir, "anycloud.conf"), sock)
	writeFile(t, filepath.Join(c.dir, "node.yaml"), c.nodeYAML)
	n, stopNode := c.startNode(t)
	statusURL := "http://" + metricsAddr + "/status"
	took := waitUntil(t, "announced", 15*time.Second, func() bool { return birdHasRoute(sock, "198.51.100.53/32") })
	t.Logf("announced %v after start", took)
	if d := getStatus(t, statusURL); d.State != "announced" || d.NSID != "node1" || len(d.Zones) < 2 {
		t.Fatalf("status after announce: %+v", d)
	}

	c.stopHub()
	time.Sleep(time.Second)
	if d := getStatus(t, statusURL); d.State != "announced" || !birdHasRoute(sock, "198.51.100.53/32") {
		t.Fatalf("a node that lost its hub withdrew: %+v\n%s", d, c.logs.String())
	}

	// Without the token, with a wrong one, or from another site's page
	// (a browser's form post or fetch carries Origin), drain is refused
	// and the route stays.
	token, err := bearer.ReadFile(TokenFile(n.cfg))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		header map[string]string
		code   int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", map[string]string{"Authorization": "Bearer " + strings.Repeat("0", 64)}, http.StatusUnauthorized},
		{"browser form post", map[string]string{"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"cross-site with the token", map[string]string{"Authorization": "Bearer " + token, "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+control+"/drain", strings.NewReader("x=1"))
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		time.Sleep(2 * drainWait)
		if resp.StatusCode != tc.code || !birdHasRoute(sock, "198.51.100.53/32") {
			t.Fatalf("%s: drain answered %d (want %d); route still at BIRD=%v", tc.name, resp.StatusCode, tc.code, birdHasRoute(sock, "198.51.100.53/32"))
		}
	}

	ctx := context.Background()
	start := time.Now()
	if _, err := ControlRequest(ctx, control, TokenFile(n.cfg), "drain"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < drainWait || birdHasRoute(sock, "198.51.100.53/32") {
		t.Fatalf("drain returned after %v with the route still at BIRD=%v", d, birdHasRoute(sock, "198.51.100.53/32"))
	}
	if d := getStatus(t, statusURL); d.State != "drained" || d.Announce == nil || d.Announce.Reason == "" {
		t.Fatalf("status after drain: %+v", d)
	}
	checkMetric(t, "http://"+metricsAddr+"/metrics", `anycloud_announce_state{state="drained"} 1`)
	if _, err := ControlRequest(ctx, control, TokenFile(n.cfg), "undrain"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "announced after undrain", 5*time.Second, func() bool { return birdHasRoute(sock, "198.51.100.53/32") })

	// A stop withdraws first and keeps answering for drain-wait.
	start = time.Now()
	stopNode()
	if d := time.Since(start); d < drainWait || birdHasRoute(sock, "198.51.100.53/32") {
		t.Fatalf("stop took %v; route still at BIRD=%v", d, birdHasRoute(sock, "198.51.100.53/32"))
	}
	include, _ := os.ReadFile(filepath.Join(c.dir, "anycloud.conf"))
	if strings.Contains(string(include), "198.51.100.53") {
		t.Fatalf("include still announces after stop:\n%s", include)
	}
}

func checkMetric(t *testing.T, url, line string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), line) {
		t.Errorf("%s lacks %q", url, line)
	}
}
