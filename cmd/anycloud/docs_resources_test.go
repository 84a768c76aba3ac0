package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/peerconf"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// TestNodeResources measures what docs/resources.md states: a real
// `anycloud node` fed by a real `anycloud hub` from a Knot DNS primary
// serving the benchmark's zone, at idle and under dnsperf load. It is a
// measurement, not a check, and only runs when ANYCLOUD_RESOURCES_ZONE
// names a zone file made by `go run ./bench --prepare-only`, e.g.
//
//	ANYCLOUD_RESOURCES_ZONE=bench/work/tldd1000000-ds30-glue10-q1000000-v1/zone.unsigned \
//	  go test -run TestNodeResources -v -timeout 60m ./cmd/anycloud
//
// (zone.signed for the NSEC3 variant, queried with DO). Relative paths are
// from the repository root; queries.txt next to the zone is the query mix.
func TestNodeResources(t *testing.T) {
	zoneFile := os.Getenv("ANYCLOUD_RESOURCES_ZONE")
	if zoneFile == "" {
		testenv.SkipByChoice(t, "set ANYCLOUD_RESOURCES_ZONE=bench/work/.../zone.unsigned (or zone.signed) to measure a node's resource use")
	}
	if !filepath.IsAbs(zoneFile) {
		zoneFile = filepath.Join("..", "..", zoneFile)
	}
	zoneFile, _ = filepath.Abs(zoneFile)
	queries := filepath.Join(filepath.Dir(zoneFile), "queries.txt")
	origin := envOr("ANYCLOUD_RESOURCES_ORIGIN", "tld.")
	signed := strings.Contains(filepath.Base(zoneFile), "signed") && !strings.Contains(filepath.Base(zoneFile), "unsigned")
	testenv.RequireCommand(t, "knotd", "dnsperf", "taskset")
	dir := t.TempDir()
	if !signed {
		// The bench's plain zone carries the apex DNSKEYs without
		// signatures; the hub's gate rightly refuses that, so the primary
		// serves it without them.
		zoneFile = withoutDNSKEY(t, zoneFile, filepath.Join(dir, "zone.unsigned"))
	}
	bin := testpeer.AnycloudBinary(t)
	const secret = "cmVzb3VyY2VzLXRlc3Qtc2VjcmV0LW5vdC1mb3ItdXNlIQ=="
	writeTestFile(t, filepath.Join(dir, "key"), secret+"\n")
	primary, hubAddr, nodeAddr := testpeer.FreeAddr(t), testpeer.FreeAddr(t), testpeer.FreeAddr(t)

	// The primary: Knot DNS serving the zone file as it is.
	kdir := filepath.Join(dir, "knot")
	os.MkdirAll(kdir, 0o755)
	writeTestFile(t, filepath.Join(kdir, "knot.conf"), peerconf.KnotConfig(peerconf.KnotOptions{
		Zones:    []peerconf.Zone{{Origin: origin, File: zoneFile}},
		Keys:     []peerconf.TSIGKey{{Name: "client-key.", Algorithm: "hmac-sha256", Secret: secret}},
		ACLs:     []peerconf.ACL{{Address: "127.0.0.0/8", Key: "client-key.", Transfer: true}},
		Listen:   []string{strings.Replace(primary, ":", "@", 1)},
		LogLevel: "warning",
	}, kdir))
	t0 := time.Now()
	knot := startProc(t, "knotd", "-c", filepath.Join(kdir, "knot.conf"))
	waitSerial(t, knot, primary, origin, 15*time.Minute)
	t.Logf("primary (Knot) serving after %v", since(t0))

	writeTestFile(t, filepath.Join(dir, "hub.yaml"), fmt.Sprintf(`listen: [%q]
storage: %s
catalog: catalog.anycloud.
timeouts: {transfer: 120s}
clients:
  - {name: bench, zones: [%s], primaries: [%q], tsig: {name: client-key., algorithm: hmac-sha256, secret-file: key}}
nodes:
  - {name: node1, address: %q, tsig: {name: node1-xfr., algorithm: hmac-sha256, secret-file: key}}
`, hubAddr, filepath.Join(dir, "hub"), origin, primary, nodeAddr))
	nodeStorage := filepath.Join(dir, "node")
	writeTestFile(t, filepath.Join(dir, "node.yaml"), fmt.Sprintf(`listen: [%q]
nsid: node1
storage: %s
catalog: catalog.anycloud.
hub: {addresses: [%q], tsig: {name: node1-xfr., algorithm: hmac-sha256, secret-file: key}}
timeouts: {transfer: 120s}
rrl: {enabled: false}   # dnsperf is one source; rate limiting would measure RRL
`, nodeAddr, nodeStorage, hubAddr))

	t0 = time.Now()
	hub := startProc(t, bin, "hub", "--config", filepath.Join(dir, "hub.yaml"))
	// The hub answers only signed queries: wait for its accepted copy.
	for deadline := time.Now().Add(15 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "hub", origin+"zone")); err == nil {
			break
		}
		if rejected, _ := filepath.Glob(filepath.Join(dir, "hub", "rejected", "*")); len(rejected) > 0 || time.Now().After(deadline) {
			t.Fatalf("the hub did not accept %s (rejected: %v)", origin, rejected)
		}
	}
	t.Logf("hub accepted the zone after %v", since(t0))

	// First start: the node transfers everything from the hub.
	t0 = time.Now()
	node := startProc(t, bin, "node", "--config", filepath.Join(dir, "node.yaml"))
	waitSerial(t, node, nodeAddr, origin, 15*time.Minute)
	first := since(t0)
	time.Sleep(10 * time.Second) // let the collector return what the build used
	r := resourceReport{Signed: signed}
	r.FirstStart, r.FirstPeak, r.FirstCPU = first, procMiB(node, "VmHWM"), procCPU(node)
	r.HubPeak, r.HubCPU = procMiB(hub, "VmHWM"), procCPU(hub)
	r.Disk, r.HubDisk = duMiB(nodeStorage), duMiB(filepath.Join(dir, "hub"))

	// Restart: the node answers from its copy on disk.
	stopProc(t, node)
	t0 = time.Now()
	node = startProc(t, bin, "node", "--config", filepath.Join(dir, "node.yaml"))
	waitSerial(t, node, nodeAddr, origin, 15*time.Minute)
	r.Restart = since(t0)
	r.RestartPeak = procMiB(node, "VmHWM")

	// Idle: a minute with nothing to do but SOA refreshes.
	time.Sleep(10 * time.Second)
	cpu0 := procCPU(node)
	time.Sleep(60 * time.Second)
	r.IdleCPU = procCPU(node) - cpu0
	r.IdleRSS = procMiB(node, "VmRSS")

	// Load: the benchmark's query mix at saturation, the node on CPU 0 and
	// dnsperf on CPU 1, as `go run ./bench` does.
	if out, err := exec.Command("taskset", "-a", "-cp", "0", strconv.Itoa(node)).CombinedOutput(); err != nil {
		t.Fatalf("taskset: %v\n%s", err, out)
	}
	host, port, _ := net.SplitHostPort(nodeAddr)
	args := []string{"-c", "1", "dnsperf", "-s", host, "-p", port, "-d", queries, "-c", "10", "-q", "200", "-T", "1", "-l", "20"}
	if signed {
		args = append(args, "-D")
	}
	cpu0 = procCPU(node)
	out, err := exec.Command("taskset", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dnsperf: %v\n%s", err, out)
	}
	r.LoadCPU = procCPU(node) - cpu0
	r.Answered, r.QPS = dnsperfFigures(t, string(out))
	r.LoadRSS, r.LoadPeak = procMiB(node, "VmRSS"), procMiB(node, "VmHWM")
	t.Logf("\n%s", r)
}

// resourceReport is one measured configuration, printed as docs/resources.md uses it.
type resourceReport struct {
	Signed                             bool
	FirstStart, Restart                time.Duration
	FirstPeak, RestartPeak, IdleRSS    int
	LoadRSS, LoadPeak, HubPeak         int
	FirstCPU, HubCPU, IdleCPU, LoadCPU float64
	Disk, HubDisk                      int
	Answered                           int
	QPS                                float64
}

func (r resourceReport) String() string {
	zone := "unsigned"
	if r.Signed {
		zone = "NSEC3 signed (queries with DO)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "zone: %s\n", zone)
	fmt.Fprintf(&b, "first start (AXFR from the hub, build): %v, %.1f CPU s, peak RSS %d MiB\n", r.FirstStart, r.FirstCPU, r.FirstPeak)
	fmt.Fprintf(&b, "restart from the storage copy: first answer after %v, peak RSS %d MiB\n", r.Restart, r.RestartPeak)
	fmt.Fprintf(&b, "idle: RSS %d MiB, %.2f CPU s per minute\n", r.IdleRSS, r.IdleCPU)
	fmt.Fprintf(&b, "load (one core): %.0f queries/s, %.2f µs CPU per answer, RSS %d MiB (peak since restart %d MiB)\n",
		r.QPS, r.LoadCPU/float64(max(r.Answered, 1))*1e6, r.LoadRSS, r.LoadPeak)
	fmt.Fprintf(&b, "disk: node storage %d MiB; hub storage %d MiB\n", r.Disk, r.HubDisk)
	fmt.Fprintf(&b, "hub: peak RSS %d MiB, %.1f CPU s to take the zone in", r.HubPeak, r.HubCPU)
	return b.String()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startProc runs a process and stops it (by its PID) at cleanup.
func startProc(t *testing.T, name string, args ...string) int {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	procs[cmd.Process.Pid] = done
	t.Cleanup(func() { stopProc(t, cmd.Process.Pid) })
	return cmd.Process.Pid
}

var procs = map[int]chan struct{}{}

func stopProc(t *testing.T, pid int) {
	done, ok := procs[pid]
	if !ok {
		return
	}
	delete(procs, pid)
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL)
		<-done
	}
}

// waitSerial waits until addr answers origin's SOA with authority.
// It gives up at once when the process pid (0: none) has exited.
func waitSerial(t *testing.T, pid int, addr, origin string, timeout time.Duration) {
	t.Helper()
	c := &dns.Client{Timeout: time.Second}
	m := new(dns.Msg)
	m.SetQuestion(origin, dns.TypeSOA)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if done, ok := procs[pid]; ok {
			select {
			case <-done:
				t.Fatalf("process %d exited before %s served %s", pid, addr, origin)
			default:
			}
		}
		if r, _, err := c.Exchange(m, addr); err == nil && r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) > 0 {
			return
		}
	}
	t.Fatalf("%s did not serve %s within %v", addr, origin, timeout)
}

// procMiB reads a Vm* line of /proc/PID/status, in MiB.
func procMiB(pid int, field string) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return kb / 1024
		}
	}
	return -1
}

// procCPU is the user and system CPU time of pid so far, in seconds.
func procCPU(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

func withoutDNSKEY(t *testing.T, from, to string) string {
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	s := bufio.NewScanner(in)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if !strings.Contains(s.Text(), " DNSKEY ") {
			w.Write(s.Bytes())
			w.WriteByte('\n')
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return to
}

func duMiB(path string) int {
	var total int64
	filepath.Walk(path, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return int(total >> 20)
}

var (
	completedRE = regexp.MustCompile(`Queries completed:\s+(\d+)`)
	qpsRE       = regexp.MustCompile(`Queries per second:\s+([\d.]+)`)
)

func dnsperfFigures(t *testing.T, out string) (int, float64) {
	c, q := completedRE.FindStringSubmatch(out), qpsRE.FindStringSubmatch(out)
	if c == nil || q == nil {
		t.Fatalf("dnsperf output not understood:\n%s", out)
	}
	n, _ := strconv.Atoi(c[1])
	qps, _ := strconv.ParseFloat(q[1], 64)
	return n, qps
}
