package packaging

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/vishvananda/netns"

	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// TestNodeStartsOnFreshHost starts a node from what `anycloud node add`
// writes at the hub, and nothing else, on a host that has never seen the
// anycast addresses: a network namespace with lo and one veth to the hub's
// namespace. The node runs as the anycloud user with exactly the
// capabilities the packaged unit grants (read from anycloud-node.service)
// and no new privileges, behind the ruleset node add wrote. It must put
// the service addresses on lo itself and answer there, over UDP and TCP,
// IPv4 and IPv6, from the anycast address (a connected socket drops an
// answer from any other source).
//
// Before IP_FREEBIND the node stopped at once ("bind: cannot assign
// requested address": it binds before the announcer adds the addresses);
// with a unit lacking CAP_NET_ADMIN it stops on "adding 198.51.100.53 to
// lo: operation not permitted".
func TestNodeStartsOnFreshHost(t *testing.T) {
	testenv.RequireRoot(t, "network namespaces, a system user, setpriv")
	for _, tool := range []string{"ip", "setpriv", "nft", "useradd"} {
		needTool(t, tool)
	}
	dir := worldReadableTempDir(t)
	bin := testpeer.AnycloudBinary(t)
	uid := serviceUser(t)
	caps, mask := unitCapabilities(t, "systemd/anycloud-node.service")

	hubNS, nodeNS := freshNSName("hub"), freshNSName("node")
	newFreshNetns(t, hubNS)
	newFreshNetns(t, nodeNS)
	mustRun(t, "ip", "-n", hubNS, "link", "add", "tonode", "type", "veth", "peer", "name", "tohub", "netns", nodeNS)
	mustRun(t, "ip", "-n", hubNS, "addr", "add", "192.0.2.1/24", "dev", "tonode")
	mustRun(t, "ip", "-n", hubNS, "addr", "add", "2001:db8:1::1/64", "dev", "tonode", "nodad")
	mustRun(t, "ip", "-n", nodeNS, "addr", "add", "192.0.2.2/24", "dev", "tohub")
	mustRun(t, "ip", "-n", nodeNS, "addr", "add", "2001:db8:1::2/64", "dev", "tohub", "nodad")
	mustRun(t, "ip", "-n", hubNS, "link", "set", "tonode", "up")
	mustRun(t, "ip", "-n", nodeNS, "link", "set", "tohub", "up")
	// The hub's side routes the service to the node, as its BGP peer would.
	mustRun(t, "ip", "-n", hubNS, "route", "add", "198.51.100.53/32", "via", "192.0.2.2")
	mustRun(t, "ip", "-n", hubNS, "route", "add", "2001:db8:53::53/128", "via", "2001:db8:1::2")

	hubConf := filepath.Join(dir, "hub.yaml")
	writeFile(t, hubConf, fmt.Sprintf("listen: [\"192.0.2.1:5353\"]\ncontrol: 127.0.0.1:8953\nstorage: %s\ncatalog: catalog.anycloud.\n"+
		"onboarding: {nameservers: [ns.anycloud.test.], service: [\"198.51.100.53\", \"2001:db8:53::53\"]}\n", filepath.Join(dir, "hub")))
	startIn(t, hubNS, filepath.Join(dir, "hub.log"), bin, "hub", "--config", hubConf)
	waitUntil(t, "the hub's control socket", 15*time.Second, func() bool {
		_, err := tryOutputCombined("ip", "netns", "exec", hubNS, bin, "hub", "status", "--config", hubConf)
		return err == nil
	})

	// At the hub, as its operator: node add writes the node's files.
	out := filepath.Join(dir, "node-fresh")
	storage := filepath.Join(dir, "state", "node")
	mustRun(t, "ip", "netns", "exec", hubNS, bin, "node", "add", "node-fresh", "--config", hubConf,
		"--city", "Lima", "--country", "PE", "--lat", "-12.05", "--lon", "-77.04", "--unicast", "192.0.2.2,2001:db8:1::2",
		"--asn", "64500", "--peer", "192.0.2.1,64501", "--out", out, "--storage", storage)

	// On the host, as docs/install.md and node add's own output say: the
	// files belong to anycloud, the state directory is the unit's
	// StateDirectory (anycloud, 0750), the ruleset is loaded.
	mustRun(t, "chown", "-R", "anycloud:anycloud", out)
	if err := os.MkdirAll(storage, 0o750); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "chown", "-R", "anycloud:anycloud", filepath.Dir(storage))
	mustRun(t, "ip", "netns", "exec", nodeNS, "nft", "-f", filepath.Join(out, "nftables.conf"))
	node := startIn(t, nodeNS, filepath.Join(dir, "node.log"), "setpriv", "--reuid=anycloud", "--regid=anycloud", "--init-groups",
		"--inh-caps=-all,"+caps, "--ambient-caps=-all,"+caps, "--bounding-set=-all,"+caps, "--no-new-privs",
		bin, "node", "--config", filepath.Join(out, "node.yaml"))

	for _, q := range []struct{ net, server string }{
		{"udp", "198.51.100.53:53"}, {"tcp", "198.51.100.53:53"},
		{"udp", "[2001:db8:53::53]:53"}, {"tcp", "[2001:db8:53::53]:53"},
	} {
		var nsid string
		var err error
		waitUntil(t, "an answer from "+q.server+" over "+q.net, 15*time.Second, func() bool {
			if node.exited() {
				t.Fatalf("the node stopped: %s", node.log())
			}
			nsid, err = askNSID(hubNS, q.net, q.server)
			return err == nil
		})
		if nsid != "node-fresh" {
			t.Errorf("%s over %s: NSID %q, want node-fresh", q.server, q.net, nsid)
		}
	}
	lo := mustRun(t, "ip", "-n", nodeNS, "-br", "addr", "show", "dev", "lo")
	for _, want := range []string{"198.51.100.53/32", "2001:db8:53::53/128"} {
		if !strings.Contains(lo, want) {
			t.Errorf("the node did not put %s on lo:\n%s", want, lo)
		}
	}
	status := readFile(t, "/proc/"+strconv.Itoa(node.cmd.Process.Pid)+"/status")
	for _, want := range []string{fmt.Sprintf("Uid:\t%d\t%d\t%d\t%d", uid, uid, uid, uid), fmt.Sprintf("CapEff:\t%016x", mask),
		fmt.Sprintf("CapBnd:\t%016x", mask), "NoNewPrivs:\t1"} {
		if !strings.Contains(status, want+"\n") {
			t.Errorf("the node's /proc status lacks %q:\n%s", want, status)
		}
	}
	if node.exited() {
		t.Errorf("the node stopped: %s", node.log())
	}
}

// unitCapabilities reads AmbientCapabilities= and CapabilityBoundingSet=
// of a unit, which must agree, as setpriv's list ("+net_admin,...") and as
// the CapEff mask the process must show.
func unitCapabilities(t *testing.T, unit string) (string, uint64) {
	t.Helper()
	bits := map[string]uint{"CAP_NET_BIND_SERVICE": 10, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13}
	var ambient, bounding string
	for _, line := range strings.Split(readFile(t, unit), "\n") {
		if v, ok := strings.CutPrefix(line, "AmbientCapabilities="); ok {
			ambient = v
		}
		if v, ok := strings.CutPrefix(line, "CapabilityBoundingSet="); ok {
			bounding = v
		}
	}
	if ambient != bounding {
		t.Fatalf("%s: AmbientCapabilities=%s but CapabilityBoundingSet=%s", unit, ambient, bounding)
	}
	var list []string
	var mask uint64
	for _, c := range strings.Fields(ambient) {
		bit, ok := bits[c]
		if !ok {
			t.Fatalf("%s grants %s, which this test does not know", unit, c)
		}
		list = append(list, "+"+strings.ToLower(strings.TrimPrefix(c, "CAP_")))
		mask |= 1 << bit
	}
	return strings.Join(list, ","), mask
}

// askNSID queries from inside ns, on a thread of its own that is discarded
// afterwards, with a connected socket: an answer from an address other
// than server never arrives.
func askNSID(ns, network, server string) (string, error) {
	type result struct {
		nsid string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		h, err := netns.GetFromName(ns)
		if err == nil {
			err = netns.Set(h)
			h.Close()
		}
		if err != nil {
			done <- result{err: err}
			return
		}
		m := new(dns.Msg)
		m.SetQuestion("id.server.", dns.TypeTXT)
		m.Question[0].Qclass = dns.ClassCHAOS
		m.SetEdns0(1232, false)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
		c := &dns.Client{Net: network, Timeout: time.Second}
		r, _, err := c.Exchange(m, server)
		if err != nil {
			done <- result{err: err}
			return
		}
		if opt := r.IsEdns0(); opt != nil {
			for _, o := range opt.Option {
				if n, ok := o.(*dns.EDNS0_NSID); ok {
					b, err := hex.DecodeString(n.Nsid)
					done <- result{nsid: string(b), err: err}
					return
				}
			}
		}
		done <- result{err: fmt.Errorf("no NSID in %v", r)}
	}()
	r := <-done
	return r.nsid, r.err
}

// freshNSName is a namespace name unique to this test process.
func freshNSName(role string) string {
	return fmt.Sprintf("acfresh%d-%s", os.Getpid()%100000, role)
}

func newFreshNetns(t *testing.T, name string) {
	t.Helper()
	mustRun(t, "ip", "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	mustRun(t, "ip", "-n", name, "link", "set", "lo", "up")
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := tryOutputCombined(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// worldReadableTempDir is a temporary directory the anycloud user can
// enter (t.TempDir is root's alone).
func worldReadableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// serviceUser returns the uid of the anycloud system user, creating it
// as postinst does when the host lacks it (and removing it afterwards).
func serviceUser(t *testing.T) int {
	t.Helper()
	if _, err := tryOutput("getent", "passwd", "anycloud"); err != nil {
		mustRun(t, "useradd", "--system", "--user-group", "--home-dir", "/var/lib/anycloud", "--no-create-home",
			"--shell", "/usr/sbin/nologin", "--comment", "anycloud DNS services", "anycloud")
		t.Cleanup(func() { exec.Command("userdel", "anycloud").Run() })
	}
	uid, err := strconv.Atoi(strings.TrimSpace(mustRun(t, "id", "-u", "anycloud")))
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

// process is a command started in a namespace, stopped by its PID at
// cleanup.
type process struct {
	cmd     *exec.Cmd
	logFile string
	done    chan struct{}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) log() string {
	data, _ := os.ReadFile(p.logFile)
	return tail(string(data), 20)
}

// startIn starts a command in ns; ip netns exec and setpriv exec what
// they run, so the PID is the program's own.
func startIn(t *testing.T, ns, logFile string, args ...string) *process {
	t.Helper()
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logFile: logFile, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s log:\n%s", filepath.Base(logFile), p.log())
		}
	})
	return p
}

// waitUntil polls cond every 100 ms for at most limit.
func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("no %s within %v", what, limit)
}
