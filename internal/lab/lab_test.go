package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testenv"
)

func requireLabTools(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t, "network namespaces")
	testenv.RequireCommand(t, "ip", "bird", "birdc", "sysctl")
}

// TestLabRoutesEachCityToItsNearestNode brings up a topology with stand-in
// nodes, checks every city's catchment, fails one node and heals it, then
// takes the lab down and checks nothing is left.
func TestLabRoutesEachCityToItsNearestNode(t *testing.T) {
	testenv.Interop(t, "bird")
	requireLabTools(t)
	small, err := LoadTopology("testdata/topology-small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		topo     *Topology
		failNode string // city whose node fails; its next nearest node must be unique
	}{
		{"default", Default(), "mexico-city"},
		{"small-yaml", small, "bogota"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { testLab(t, tc.topo, tc.failNode) })
	}
}

func testLab(t *testing.T, topo *Topology, failNode string) {
	topo.Prefix = fmt.Sprintf("t%d-", os.Getpid()%100000)
	t.Setenv("ANYCLOUD_LAB_DIR", t.TempDir())
	dir := StateDir(topo.Prefix)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	exe, _ := os.Executable()
	t.Cleanup(func() { Down(context.Background(), dir, log) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	st, err := Up(ctx, topo, Options{
		Log: log, WaitTimeout: 60 * time.Second,
		RelayCommand: []string{exe}, RelayEnv: []string{roleEnv + "=relay"},
		Cloud: standIn{},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lab up in %v: %d namespaces, %d processes", time.Since(start).Round(time.Millisecond), len(st.Namespaces), len(st.Processes))
	if _, err := Up(ctx, topo, Options{}); !errors.Is(err, ErrAlreadyUp) {
		t.Errorf("second Up = %v, want ErrAlreadyUp", err)
	}

	expected := func(down string) map[string]string {
		m := map[string]string{}
		for _, c := range topo.Cities {
			if n := topo.NearestNodes(c.Slug, map[string]bool{down: true}); len(n) == 1 {
				m[c.Slug] = n[0]
			}
		}
		return m
	}
	took := waitCatchments(t, dir, topo, expected(""), 20*time.Second)
	t.Logf("every city answered by its nearest node %v after up", took)
	checkCLI(t, topo, expected(""))

	// Fail a node: its health turns bad, it withdraws, and its catchment
	// moves to the next nearest node.
	failFile := filepath.Join(dir, "node-"+failNode, "fail")
	os.WriteFile(failFile, nil, 0o644)
	moved := waitCatchments(t, dir, topo, expected(failNode), 10*time.Second)
	t.Logf("failover: catchment of node-%s moved %v after it turned unhealthy", failNode, moved)
	if moved > 3*time.Second {
		t.Errorf("failover took %v, want under 3 s (0.75 s hysteresis + BGP)", moved)
	}
	os.Remove(failFile)
	back := waitCatchments(t, dir, topo, expected(""), 10*time.Second)
	t.Logf("heal: back %v after health recovered", back)

	if err := (&CLI{}).Run(ctx, []string{"down", "--prefix", topo.Prefix}); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t, topo.Prefix, st)
}

// checkCLI runs `lab status --json`, `lab exec` and `lab fail` through
// the CLI, and checks the status report.
func checkCLI(t *testing.T, topo *Topology, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	cli := &CLI{Stdout: &out, Stderr: &out}
	if err := cli.Run(ctx, []string{"status", "--json", "--prefix", topo.Prefix}); err != nil {
		t.Fatalf("lab status: %v\n%s", err, out.String())
	}
	var s Status
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("lab status --json: %v", err)
	}
	checkStatus(t, &s, topo, want)
	out.Reset()
	if err := cli.Run(ctx, []string{"exec", "--prefix", topo.Prefix, "node-" + topo.Nodes[0], "--", "ip", "-br", "addr", "show", "dev", "lo"}); err != nil {
		t.Fatalf("lab exec: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "198.51.100.53/32") {
		t.Errorf("lab exec: service address not on the node's lo:\n%s", out.String())
	}
	if err := cli.Run(ctx, []string{"fail", "--prefix", topo.Prefix, "node-" + topo.Nodes[0], "melt"}); err == nil || !strings.Contains(err.Error(), "unknown failure") {
		t.Errorf("lab fail with an unknown mode = %v", err)
	}
}

// waitCatchments polls the UDP answers (every service address) of every
// city until they match want, and returns how long that took.
func waitCatchments(t *testing.T, dir string, topo *Topology, want map[string]string, limit time.Duration) time.Duration {
	t.Helper()
	st, err := LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var last []string
	for time.Since(start) < limit {
		last = last[:0]
		for city, node := range want {
			h, _ := st.Plan.Host(city)
			for _, addr := range topo.Service {
				if p := ProbeFrom(h.Namespace, addr, "udp", 300*time.Millisecond); p.Node != node {
					last = append(last, fmt.Sprintf("%s: %s answered by %q (%s), want %s", city, p.Target, p.Node, p.Error, node))
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

// checkStatus verifies the status report: every probe (IPv4 and IPv6)
// answered by the expected node, every node announcing, and RTTs that show
// the relay's delays (a city whose node sits across a relayed link is at
// least two link delays away; one with its own node is not).
func checkStatus(t *testing.T, s *Status, topo *Topology, want map[string]string) {
	t.Helper()
	for _, n := range s.Nodes {
		if !n.Announcing {
			t.Errorf("%s not announcing: sessions %v", n.Name, n.Sessions)
		}
	}
	for _, c := range s.Cities {
		for _, p := range c.Answers {
			if p.Node != want[c.Slug] {
				t.Errorf("%s: %s answered by %q (%s), want %s", c.Slug, p.Target, p.Node, p.Error, want[c.Slug])
			}
		}
		if c.Path == "" {
			t.Errorf("%s: router has no AS path to the service", c.Slug)
		}
	}
	client, _ := s.find(topo.Cities[0].Slug)
	minRTT := 2 * minDelayFrom(topo, topo.Cities[0].Slug, want[topo.Cities[0].Slug])
	tcp := ProbeFrom(client, topo.Service[1], "tcp", 2*time.Second)
	if tcp.Node != want[topo.Cities[0].Slug] || tcp.RTT < minRTT || tcp.RTT > minRTT+200*time.Millisecond {
		t.Errorf("%s over TCP/IPv6: %+v, want %s with RTT >= %v", topo.Cities[0].Slug, tcp, want[topo.Cities[0].Slug], minRTT)
	}
	t.Logf("%s -> %s RTT %v over TCP/IPv6 (links add %v)", topo.Cities[0].Slug, tcp.Node, tcp.RTT, minRTT)
	var text strings.Builder
	s.WriteText(&text)
	t.Logf("status:\n%s", text.String())
}

// minDelayFrom is the smallest one-way link delay on any shortest path
// from city to the node's city: a lower bound for half the RTT.
func minDelayFrom(topo *Topology, city, node string) time.Duration {
	target := strings.TrimPrefix(node, "node-")
	if city == target {
		return 0
	}
	var best time.Duration = -1
	for _, l := range topo.Links {
		if (l.A == city || l.B == city) && (l.A == target || l.B == target) {
			if d := time.Duration(l.Delay); best < 0 || d < best {
				best = d
			}
		}
	}
	if best < 0 {
		return 0 // not adjacent: no simple bound, accept any RTT
	}
	return best
}

func (s *Status) find(host string) (string, bool) {
	for _, h := range s.Hosts {
		if h.Name == host {
			return h.Namespace, true
		}
	}
	return "", false
}

func checkNothingLeft(t *testing.T, prefix string, st *State) {
	t.Helper()
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, prefix) {
			t.Errorf("namespace left behind: %s", line)
		}
	}
	for _, p := range st.Processes {
		if p.alive() {
			t.Errorf("process left behind: %s (pid %d)", p.Name, p.PID)
		}
	}
	if _, err := os.Stat(st.Dir); !os.IsNotExist(err) {
		t.Errorf("state dir %s left behind", st.Dir)
	}
}
