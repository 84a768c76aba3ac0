package node

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"anycloud/internal/peerconf"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// TestPropagationFigures measures the figures on loopback, with
// every server a process of its own: Knot primary -> anycloud hub -> three
// anycloud nodes and one Knot node (consuming the hub's catalog). It
// reports the initial transfer time and peak RSS of each, and the median
// time from a small change being served by the primary to every node
// serving it, for two ways of making the change at the primary: rewriting
// the zone file and reloading it (Knot then compares the whole zone before
// sending NOTIFY), and a Knot zone transaction (applied incrementally,
// NOTIFY at once), as a registry's provisioning makes it.
// ANYCLOUD_BENCH_ROUNDS sets the number of changes of each kind (5).
// Every server is polled for its SOA every 10 ms, so the nodes exempt
// loopback from response rate limiting. It only runs when ANYCLOUD_BENCH_DELEGATIONS=N is set: it is
// a measurement, not a check.
func TestPropagationFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ANYCLOUD_BENCH_DELEGATIONS"))
	if n <= 0 {
		testenv.SkipByChoice(t, "set ANYCLOUD_BENCH_DELEGATIONS=N to measure with an N-delegation zone")
	}
	dir := t.TempDir()
	bin := testpeer.AnycloudBinary(t)
	hubAddr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 1, 3600, 600, 86400, n),
		KeyName: "client-key.", Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: hubAddr})
	knot := testpeer.StartKnot(t, peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: "catalog.anycloud.", Primary: hubAddr, PrimaryKey: "knot-key.", Catalog: true}},
		Keys:  []peerconf.TSIGKey{{Name: "knot-key.", Algorithm: "hmac-sha256", Secret: nodeSecret}},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: "knot-key.", Notify: true}},
	})
	writeFile(t, filepath.Join(dir, "client.key"), clientSecret)
	writeFile(t, filepath.Join(dir, "node.key"), nodeSecret)
	var nodes []string
	var nodeYAML strings.Builder
	for i := 1; i <= 3; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
		nodes = append(nodes, addr)
		fmt.Fprintf(&nodeYAML, "  - {name: node%d, address: %q, tsig: {name: node%d-key., algorithm: hmac-sha256, secret-file: node.key}}\n", i, addr, i)
	}
	fmt.Fprintf(&nodeYAML, "  - {name: knot, address: %q, tsig: {name: knot-key., algorithm: hmac-sha256, secret-file: node.key}}\n", knot.Addr)
	writeFile(t, filepath.Join(dir, "hub.yaml"), fmt.Sprintf(`listen: [%q]
storage: %s
catalog: catalog.anycloud.
timeouts: {transfer: 60s, min-refresh: 1s}
clients:
  - {name: example, zones: [example.], primaries: [%q], tsig: {name: client-key., algorithm: hmac-sha256, secret-file: client.key}}
nodes:
%s`, hubAddr, filepath.Join(dir, "hub"), primary.Addr, nodeYAML.String()))
	start := time.Now()
	hubPID, hubLog := startProcess(t, bin, "hub", "--config", filepath.Join(dir, "hub.yaml"))
	var nodePIDs []int
	for i, addr := range nodes {
		conf := filepath.Join(dir, fmt.Sprintf("node%d.yaml", i+1))
		writeFile(t, conf, fmt.Sprintf("listen: [%q]\nstorage: %s\ncatalog: catalog.anycloud.\nhub: {addresses: [%q], tsig: {name: node%d-key., algorithm: hmac-sha256, secret-file: node.key}}\ntimeouts: {transfer: 60s, min-refresh: 1s}\nrrl: {exempt: [127.0.0.0/8]}\n",
			addr, filepath.Join(dir, fmt.Sprintf("node%d", i+1)), hubAddr, i+1))
		pid, _ := startProcess(t, bin, "node", "--config", conf)
		nodePIDs = append(nodePIDs, pid)
	}
	for i, d := range waitEach(t, append(nodes, knot.Addr), 1, start, 20*time.Minute) {
		t.Logf("initial: %s serves serial 1 after %v", nodeName(i), d.Round(time.Millisecond))
	}
	knotPID := pidFromFile(t, filepath.Join(knot.Dir, "knot.pid"))
	t.Logf("peak RSS: hub %d MiB, anycloud nodes %v MiB, Knot node %d MiB, Knot primary %d MiB",
		peakRSS(hubPID), mapRSS(nodePIDs), peakRSS(knotPID), peakRSS(pidFromFile(t, filepath.Join(primary.Dir(), "knot.pid"))))

	rounds := 5
	if r, _ := strconv.Atoi(os.Getenv("ANYCLOUD_BENCH_ROUNDS")); r > 0 {
		rounds = r
	}
	// Reload rounds first: a reload after a transaction would undo it.
	serial := uint32(1)
	reload := func() {
		primary.WriteZone(testpeer.ZoneText("example.", serial, 3600, 600, 86400, n+int(serial)))
		primary.Reload()
	}
	transact := func() {
		i := n + int(serial)
		primary.Transact(append(testpeer.SetSerial(serial, 3600, 600, 86400),
			testpeer.Set(fmt.Sprintf("d%d", i), 3600, "NS", fmt.Sprintf("ns.d%d", i)),
			testpeer.Set(fmt.Sprintf("ns.d%d", i), 3600, "A", "198.51.100.7"))...)
	}
	for _, mode := range []struct {
		name   string
		change func()
	}{{"zone file rewritten, knotc zone-reload", reload}, {"knotc zone transaction", transact}} {
		var ours, theirs, fromChange []time.Duration
		for range rounds {
			serial++
			mode.change()
			changed := time.Now() // knotc returned: the change is in
			primary.WaitSerial(serial)
			served := time.Now()
			each := waitEach(t, append(nodes, knot.Addr), serial, served, 5*time.Minute)
			ours = append(ours, max(each[0], each[1], each[2]))
			theirs = append(theirs, each[3])
			fromChange = append(fromChange, ours[len(ours)-1]+served.Sub(changed))
			notified, accepted := hubTimes(hubLog.String(), serial)
			t.Logf("%s, serial %d: all 3 anycloud nodes after %v, Knot node after %v (NOTIFY at the hub after %v, hub accepted after %v; knotc returned %v before the primary was seen serving)",
				mode.name, serial, ours[len(ours)-1].Round(time.Millisecond), theirs[len(theirs)-1].Round(time.Millisecond),
				notified.Sub(served).Round(time.Millisecond), accepted.Sub(served).Round(time.Millisecond), served.Sub(changed).Round(time.Millisecond))
		}
		t.Logf("%s: median propagation, primary serving -> every anycloud node: %v (%v); -> the Knot node: %v (%v); knotc returning -> every anycloud node: %v",
			mode.name, median(ours), rounded(ours), median(theirs), rounded(theirs), median(fromChange))
	}
	if os.Getenv("ANYCLOUD_BENCH_LOGS") != "" {
		t.Logf("Knot primary:\n%s", primary.Log())
	}
}

func rounded(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i := range d {
		out[i] = d[i].Round(time.Millisecond)
	}
	return out
}

func nodeName(i int) string {
	if i == 3 {
		return "Knot node"
	}
	return fmt.Sprintf("anycloud node%d", i+1)
}

// hubTimes reads from the hub's log when the NOTIFY that led to serial
// arrived and when the hub accepted serial.
func hubTimes(log string, serial uint32) (notified, accepted time.Time) {
	var lastNotify time.Time
	for _, line := range strings.Split(log, "\n") {
		at, ok := strings.CutPrefix(line, "time=")
		if !ok || len(at) < 24 {
			continue
		}
		when, err := time.Parse(time.RFC3339Nano, strings.Fields(at)[0])
		switch {
		case err != nil:
		case strings.Contains(line, `msg="NOTIFY received" zone=example.`):
			lastNotify = when
		case strings.Contains(line, fmt.Sprintf(`msg="zone version accepted" zone=example. serial=%d `, serial)):
			return lastNotify, when
		}
	}
	return lastNotify, time.Time{}
}

// startProcess runs bin with args and stops it (by its PID) at cleanup.
func startProcess(t *testing.T, bin string, args ...string) (int, *testpeer.LogBuffer) {
	cmd := exec.Command(bin, args...)
	log := &testpeer.LogBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() || os.Getenv("ANYCLOUD_BENCH_LOGS") != "" {
			t.Logf("%v:\n%s", args, log.String())
		}
	})
	return cmd.Process.Pid, log
}

// waitEach waits for every address in parallel to serve serial and
// returns, per address, the time from since until it did.
func waitEach(t *testing.T, addrs []string, serial uint32, since time.Time, timeout time.Duration) []time.Duration {
	t.Helper()
	out := make([]time.Duration, len(addrs))
	errs := make(chan error, len(addrs))
	for i, addr := range addrs {
		go func() {
			err := testpeer.WaitSOASerial(addr, "example.", serial, timeout)
			out[i] = time.Since(since)
			errs <- err
		}()
	}
	for range addrs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func pidFromFile(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// peakRSS is VmHWM of pid in MiB.
func peakRSS(pid int) int {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return -1
}

func mapRSS(pids []int) []int {
	var out []int
	for _, p := range pids {
		out = append(out, peakRSS(p))
	}
	return out
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2].Round(time.Millisecond)
}
