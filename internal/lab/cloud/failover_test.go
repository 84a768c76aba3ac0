package cloud

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/lab"
)

// Failover scenarios: a client streams one SOA query every 10 ms at the
// anycast address while its nearest node fails, and the test measures:
//   - detection: from the failure until the city's router no longer holds
//     the node's route (the withdrawal as the network sees it);
//   - to next node: from the failure until the first answer from another
//     node;
//   - lost: queries without an answer within 1 s.
// Run: sudo go test -run 'TestLab/failover' -v ./internal/lab/cloud/

const (
	streamInterval = 10 * time.Millisecond
	streamTimeout  = time.Second
)

type scenario struct {
	mode string
	// limits asserted; the issue's: stop-dns answered by the next node
	// within 1 s, drain loses nothing (RFC 8326: the traffic moves to the
	// next node while the graceful-shutdown route still exists, and the
	// withdrawal follows within the lab's 3 s graceful-wait), kill moves at
	// once, silent is withdrawn by BFD in under 0.5 s where the node runs
	// BIRD (bird_nodes), by the 3 s hold timer where it embeds GoBGP.
	maxDetect, maxToNext time.Duration
	maxLost              int
}

func scenarios(bfd bool) []scenario {
	silent := 3500 * time.Millisecond
	if bfd {
		silent = 500 * time.Millisecond
	}
	return []scenario{
		{mode: lab.FailStopDNS, maxDetect: time.Second, maxToNext: time.Second, maxLost: int(time.Second / streamInterval)},
		{mode: lab.FailDrain, maxDetect: 3500 * time.Millisecond, maxToNext: time.Second, maxLost: 0},
		{mode: lab.FailKill, maxDetect: 300 * time.Millisecond, maxToNext: 300 * time.Millisecond, maxLost: int(300 * time.Millisecond / streamInterval)},
		{mode: lab.FailSilent, maxDetect: silent, maxToNext: silent, maxLost: int(silent / streamInterval)},
	}
}

func (l *testLab) testFailover(t *testing.T) {
	city := "mexico-city" // its own node fails; santo-domingo's is next
	node, next := "node-"+city, l.expected(city)[city]
	if next == "" || l.expected("")[city] != node {
		t.Fatalf("topology changed: %s should be served by %s, then by a unique next node", city, node)
	}
	// The drain is also watched from a second city whose queries reach
	// the drained node through its router: it must lose nothing either.
	other := ""
	for _, c := range l.topo.Cities {
		if c.Slug != city && l.expected("")[c.Slug] == node {
			other = c.Slug
			break
		}
	}
	var table []string
	for _, sc := range scenarios(l.topo.BIRDNode(city)) {
		t.Run(sc.mode, func(t *testing.T) {
			var also []string
			if sc.mode == lab.FailDrain && other != "" {
				also = []string{other}
			}
			m := l.measure(t, city, node, sc.mode, also...)
			row := fmt.Sprintf("| %-8s | %7s | %7s | %4d of %4d | %s |", sc.mode, ms(m.detect), ms(m.sw.ToNext), m.sw.Lost, m.sw.Sent, m.sw.NextNode)
			table = append(table, row)
			t.Log(row)
			if m.sw.NextNode != next {
				t.Errorf("answered by %q after the failure, want %s", m.sw.NextNode, next)
			}
			if m.detect > sc.maxDetect || m.sw.ToNext > sc.maxToNext || m.sw.Lost > sc.maxLost {
				t.Errorf("detection %v (max %v), to next %v (max %v), lost %d (max %d)",
					m.detect, sc.maxDetect, m.sw.ToNext, sc.maxToNext, m.sw.Lost, sc.maxLost)
			}
			for i, sw := range m.also {
				t.Logf("%s seen from %s: to next %v, lost %d of %d, next node %s", sc.mode, also[i], ms(sw.ToNext), sw.Lost, sw.Sent, sw.NextNode)
				if sw.Lost > sc.maxLost || sw.NextNode == "" {
					t.Errorf("%s from %s: lost %d (max %d), next node %q", sc.mode, also[i], sw.Lost, sc.maxLost, sw.NextNode)
				}
			}
			l.heal(t, node)
		})
	}
	t.Logf("failover of %s seen from %s's client (query every %v, lost = no answer within %v):\n"+
		"| failure  | detect  | to next | lost        | next node |\n%s", node, city, streamInterval, streamTimeout, strings.Join(table, "\n"))
}

type measurement struct {
	detect time.Duration
	sw     lab.Switchover
	also   []lab.Switchover // the streams from the also cities
}

// measure streams queries from city's client (and from the also cities'),
// fails node with mode after 500 ms, and follows the streams until the
// next node has answered for a second.
func (l *testLab) measure(t *testing.T, city, node, mode string, also ...string) measurement {
	addr := l.topo.Service[0]
	s, err := lab.StartStream(l.ns(city), addr, "sv.", streamInterval, streamTimeout)
	if err != nil {
		t.Fatal(err)
	}
	var others []*lab.Stream
	stopOthers := func() []lab.Switchover { return nil }
	for _, c := range also {
		o, err := lab.StartStream(l.ns(c), addr, "sv.", streamInterval, streamTimeout)
		if err != nil {
			s.Stop(context.Background())
			t.Fatal(err)
		}
		others = append(others, o)
	}
	time.Sleep(500 * time.Millisecond)
	routeGone := l.watchRoute(city, node)
	at := time.Now()
	stopOthers = func() []lab.Switchover {
		var out []lab.Switchover
		for _, o := range others {
			out = append(out, lab.Summarise(o.Stop(context.Background()), node, at))
		}
		return out
	}
	if err := lab.Fail(context.Background(), l.dir, node, mode, l.cloud); err != nil {
		s.Stop(context.Background())
		stopOthers()
		t.Fatal(err)
	}
	var detect time.Duration
	select {
	case when := <-routeGone:
		detect = when.Sub(at)
	case <-time.After(10 * time.Second):
		t.Errorf("%s: the router of %s still holds the route of %s 10 s later", mode, city, node)
	}
	time.Sleep(1500 * time.Millisecond)
	return measurement{detect: detect, sw: lab.Summarise(s.Stop(context.Background()), node, at), also: stopOthers()}
}

// watchRoute polls city's router every 20 ms and reports when it no
// longer has a route from its node session.
func (l *testLab) watchRoute(city, node string) <-chan time.Time {
	out := make(chan time.Time, 1)
	sock := filepath.Join(l.dir, "router-"+city, "bird.ctl")
	prefix := l.topo.Announce[0].String()
	go func() {
		deadline := time.Now().Add(12 * time.Second)
		for time.Now().Before(deadline) {
			b, _ := exec.Command("birdc", "-s", sock, "show", "route", prefix, "protocol", "node4").CombinedOutput()
			if !strings.Contains(string(b), prefix) {
				out <- time.Now()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return out
}

func (l *testLab) heal(t *testing.T, node string) {
	t.Helper()
	if err := lab.Heal(context.Background(), l.dir, node, l.cloud); err != nil {
		t.Fatal(err)
	}
	took := l.waitCatchments(t, l.expected(""), 20*time.Second)
	t.Logf("healed: catchments back %v later", took.Round(time.Millisecond))
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// testDown: `lab down` leaves no namespace, process or forwarder behind.
func (l *testLab) testDown(t *testing.T) {
	st, err := lab.LoadState(l.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&lab.CLI{Cloud: l.cloud}).Run(context.Background(), []string{"down", "--prefix", l.topo.Prefix}); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, l.topo.Prefix) {
			t.Errorf("namespace left behind: %s", line)
		}
	}
	for _, p := range st.Processes {
		if exec.Command("kill", "-0", fmt.Sprint(p.PID)).Run() == nil && procAlive(p.PID) {
			t.Errorf("process left behind: %s (pid %d)", p.Name, p.PID)
		}
	}
	if _, err := httpGet("http://" + l.forward + "/"); err == nil {
		t.Errorf("the forwarder still answers on %s", l.forward)
	}
}

// procAlive tells a live process from a zombie waiting to be reaped.
func procAlive(pid int) bool {
	b, err := exec.Command("ps", "-o", "stat=", "-p", fmt.Sprint(pid)).Output()
	return err == nil && !strings.HasPrefix(strings.TrimSpace(string(b)), "Z")
}
