package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/lab"
	"anycloud/internal/node"
)

// Helpers of the fault scenarios (faults_*_test.go): they break the lab in
// ways `lab fail` does not (a frozen hub or primary, a dead router), follow
// what every node answers, and check the end state: every node serves every
// client zone with its primary's serial.

// faultStream is a client's query stream during a fault: one SOA query
// every 20 ms, lost when unanswered within a second.
const (
	faultInterval = 20 * time.Millisecond
	faultTimeout  = time.Second
)

// faultRow is one line of the reliability table, logged with -v.
type faultRow struct {
	scenario, did string
	lost, sent    int
	recover       time.Duration
}

func (r faultRow) String() string {
	return fmt.Sprintf("| %s | %s | %d of %d | %s |", r.scenario, r.did, r.lost, r.sent, ms(r.recover))
}

// startFaultStream streams zone's SOA from city's client to the first
// service address.
func (l *testLab) startFaultStream(t *testing.T, city, zone string) *lab.Stream {
	t.Helper()
	s, err := lab.StartStream(l.ns(city), l.topo.Service[0], zone, faultInterval, faultTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countLost counts unanswered queries and the longest run of them.
func countLost(answers []lab.StreamAnswer) (lost, sent int, gap time.Duration) {
	var runStart time.Time
	for _, a := range answers {
		sent++
		if a.Lost() {
			lost++
			if runStart.IsZero() {
				runStart = a.Sent
			}
			gap = max(gap, a.Sent.Sub(runStart)+faultInterval)
			continue
		}
		runStart = time.Time{}
	}
	return lost, sent, gap
}

// process finds a recorded live process of host whose name starts with
// prefix ("hub", "knotd", "bird").
func (l *testLab) process(t *testing.T, host, prefix string) int {
	t.Helper()
	st, err := lab.LoadState(l.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Processes {
		if p.Host == host && strings.HasPrefix(p.Name, prefix) && syscall.Kill(p.PID, 0) == nil {
			return p.PID
		}
	}
	t.Fatalf("no live %s process on %s", prefix, host)
	return 0
}

// freeze stops a process (SIGSTOP: it is down, its sockets stay) until the
// returned thaw is called; thaw is also a cleanup.
func freeze(t *testing.T, pid int) (thaw func()) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	done := false
	thaw = func() {
		if !done {
			done = true
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(thaw)
	return thaw
}

// answer is what one node's unicast address says about zone's SOA.
type answer struct {
	rcode  int
	serial uint32
	err    error
}

func (a answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("%s serial %d", dns.RcodeToString[a.rcode], a.serial)
}

// nodeAnswer asks node's unicast IPv4 address from the hub's city client.
func (l *testLab) nodeAnswer(node, zone string) answer {
	h, _ := l.st.Plan.Host(node)
	r, _, err := query(l.ns(l.topo.Hub), h.Addresses[0], "udp", zone, dns.TypeSOA)
	if err != nil {
		return answer{err: err}
	}
	return answer{rcode: r.Rcode, serial: soaSerial(r)}
}

// nodes are the lab's node host names.
func (l *testLab) nodes() []string {
	var out []string
	for _, n := range l.topo.Nodes {
		out = append(out, "node-"+n)
	}
	return out
}

// zones are the lab's client zones.
func (l *testLab) zones() []string {
	var out []string
	for _, p := range l.topo.Primaries {
		out = append(out, p.Zone+".")
	}
	return out
}

// primarySerial asks zone's Knot primary for its serial.
func (l *testLab) primarySerial(t *testing.T, zone string) uint32 {
	t.Helper()
	name := "primary-" + strings.TrimSuffix(zone, ".")
	h, _ := l.st.Plan.Host(name)
	r, _, err := query(l.ns(name), h.Addresses[0], "udp", zone, dns.TypeSOA)
	if err != nil || soaSerial(r) == 0 {
		t.Fatalf("%s: SOA of %s: %v", name, zone, err)
	}
	return soaSerial(r)
}

// waitAllServe waits until every node answers every client zone NOERROR
// with its primary's serial, and returns how long that took.
func (l *testLab) waitAllServe(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	want := map[string]uint32{}
	for _, z := range l.zones() {
		want[z] = l.primarySerial(t, z)
	}
	var wrong []string
	for time.Since(start) < within {
		wrong = wrong[:0]
		for _, n := range l.nodes() {
			for z, serial := range want {
				if a := l.nodeAnswer(n, z); a.err != nil || a.rcode != dns.RcodeSuccess || a.serial != serial {
					wrong = append(wrong, fmt.Sprintf("%s %s: %v, want serial %d", n, z, a, serial))
				}
			}
		}
		if len(wrong) == 0 {
			return time.Since(start)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("not every node serves the primaries' data %v later:\n%s", within, strings.Join(wrong, "\n"))
	return 0
}

// routerHasNode reports whether city's router holds a route to the first
// announced prefix from its node session.
func (l *testLab) routerHasNode(city string) bool {
	sock := filepath.Join(l.dir, "router-"+city, "bird.ctl")
	prefix := l.topo.Announce[0].String()
	b, _ := exec.Command("birdc", "-s", sock, "show", "route", prefix, "protocol", "node4").CombinedOutput()
	return strings.Contains(string(b), prefix)
}

// setSOATimers changes zone's SOA at its Knot primary (refresh 5 s, retry
// 2 s, the given expire) in one transaction with the next serial, which
// Knot sends to the hub by NOTIFY.
func (l *testLab) setSOATimers(t *testing.T, zone string, expire time.Duration) {
	t.Helper()
	name := "primary-" + strings.TrimSuffix(zone, ".")
	sock := filepath.Join(l.dir, name, "knot.sock")
	serial := l.primarySerial(t, zone) + 1
	soa := fmt.Sprintf("ns1.%s hostmaster.%s %d 5 2 %d 300", zone, zone, serial, int(expire.Seconds()))
	for _, args := range [][]string{
		{"zone-begin", zone},
		{"zone-set", zone, zone, "3600", "SOA", soa},
		{"zone-commit", zone},
	} {
		if out, err := exec.Command("knotc", append([]string{"-s", sock}, args...)...).CombinedOutput(); err != nil {
			exec.Command("knotc", "-s", sock, "zone-abort", zone).Run()
			t.Fatalf("knotc %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

// silenceRouter drops every packet a city router receives, forwards or
// sends, as a router that dies without a word; the returned heal removes
// the rules.
func (l *testLab) silenceRouter(t *testing.T, city string) (heal func()) {
	t.Helper()
	ns := l.ns("router-" + city)
	rules := `table inet anycloud_faults {
	chain input { type filter hook input priority 0; policy drop; }
	chain forward { type filter hook forward priority 0; policy drop; }
	chain output { type filter hook output priority 0; policy drop; }
}
`
	file := filepath.Join(t.TempDir(), "router.nft")
	if err := os.WriteFile(file, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "netns", "exec", ns, "nft", "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v: %s", ns, err, out)
	}
	done := false
	heal = func() {
		if !done {
			done = true
			exec.Command("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "anycloud_faults").Run()
		}
	}
	t.Cleanup(heal)
	return heal
}

// nodeStates reads every node's announcer state from `lab status`.
func (l *testLab) nodeStates(t *testing.T) map[string]lab.NodeStatus {
	t.Helper()
	st, err := lab.GetStatus(context.Background(), l.dir, time.Second, l.cloud)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]lab.NodeStatus{}
	for _, n := range st.Nodes {
		out[n.Name] = n
	}
	return out
}

// logsSince counts lines of host's logs after since that contain every one
// of the words.
func (l *testLab) logsSince(host string, since time.Time, words ...string) int {
	files, _ := filepath.Glob(filepath.Join(l.dir, host, "*.log"))
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(data), "\n") {
			if !containsAll(line, words) {
				continue
			}
			if at, ok := logTime(line); ok && at.Before(since) {
				continue
			}
			n++
		}
	}
	return n
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// logTime reads slog's time=... field.
func logTime(line string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(line, "time=")
	if !ok {
		return time.Time{}, false
	}
	field, _, _ := strings.Cut(rest, " ")
	at, err := time.Parse(time.RFC3339Nano, field)
	return at, err == nil
}

// unicastOf is node's unicast IPv4 address.
func (l *testLab) unicastOf(node string) netip.Addr {
	h, _ := l.st.Plan.Host(node)
	return h.Addresses[0]
}

// servedByNode lists the client zones in node's status document (the
// catalog aside).
func (l *testLab) servedByNode(t *testing.T, nodeName string) []string {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			return lab.DialIn(l.ns(nodeName), network, addr, time.Second)
		}}}
	resp, err := client.Get("http://" + nodeControl + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc node.StatusDoc
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, z := range doc.Zones {
		if z.Zone != catalogZone {
			out = append(out, z.Zone)
		}
	}
	return out
}
