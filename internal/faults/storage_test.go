package faults

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// Storage faults at the hub: a disk that fills while a new version is
// written, and a journal damaged on disk. A real Knot primary serves the
// zone in both.

// hubSOA asks the hub for example.'s SOA as node1 does (signed: the hub
// answers nodes only) and returns the serial, 0 on failure.
func hubSOA(addr string) uint32 {
	q := new(dns.Msg)
	q.SetQuestion("example.", dns.TypeSOA)
	q.SetTsig("node1-key.", dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: time.Second, TsigSecret: map[string]string{"node1-key.": nodeSecret}}
	r, _, err := c.Exchange(q, addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		return 0
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
	}
	return 0
}

// transferFromHub asks the hub for example. as node1 would: IXFR from
// serial when serial > 0, else AXFR. It returns the records and whether
// the answer was incremental (a second SOA right after the first).
func transferFromHub(t *testing.T, addr string, serial uint32) ([]dns.RR, bool) {
	t.Helper()
	m := new(dns.Msg)
	if serial > 0 {
		m.SetIxfr("example.", serial, "hostmaster.example.", "ns1.example.")
	} else {
		m.SetAxfr("example.")
	}
	m.SetTsig("node1-key.", dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{"node1-key.": nodeSecret}}
	ch, err := tr.In(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	var rrs []dns.RR
	for env := range ch {
		if env.Error != nil {
			t.Fatalf("transfer from the hub: %v", env.Error)
		}
		rrs = append(rrs, env.RR...)
	}
	incremental := len(rrs) > 1 && rrs[1].Header().Rrtype == dns.TypeSOA
	return rrs, incremental
}

// hubSOARcode asks the hub for example.'s SOA as node1 does and returns
// the rcode (-1 without an answer).
func hubSOARcode(addr string) int {
	q := new(dns.Msg)
	q.SetQuestion("example.", dns.TypeSOA)
	q.SetTsig("node1-key.", dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: time.Second, TsigSecret: map[string]string{"node1-key.": nodeSecret}}
	if r, _, _ := c.Exchange(q, addr); r != nil {
		return r.Rcode
	}
	return -1
}

func waitHubSerial(t *testing.T, addr string, serial uint32, within time.Duration, logs func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if hubSOA(addr) == serial {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("hub does not serve serial %d after %v\n%s", serial, within, logs())
	return 0
}

// TestCorruptJournal: the hub's journal is damaged while it is stopped.
// On restart it says so, drops the journal, and does not serve the zone
// file's version, which may be older than what nodes have (they follow the
// hub's serial back); it takes the whole zone (AXFR) from the primary once
// reachable, and an IXFR from a serial only the damaged journal covered
// gets no delta built from it.
func TestCorruptJournal(t *testing.T) {
	dir := t.TempDir()
	hubAddr := testpeer.FreeAddr(t)
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 1, 1, 1, 3600, 10),
		KeyName: clientKeyName, Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: hubAddr})
	yaml := hubConfig(hubAddr, filepath.Join(dir, "storage"), primary.Addr, testpeer.FreeAddr(t), "")
	h := startHubIn(t, dir, yaml)
	h.waitServing(t, 1, 10*time.Second)
	for serial := uint32(2); serial <= 3; serial++ {
		primary.WriteZone(testpeer.ZoneText("example.", serial, 1, 1, 3600, 10+int(serial)))
		primary.Reload()
		h.waitServing(t, serial, 10*time.Second)
	}
	if _, incremental := transferFromHub(t, hubAddr, 2); !incremental {
		t.Fatal("before the damage, IXFR from serial 2 is not incremental: nothing to test")
	}
	h.stop()
	journal := filepath.Join(dir, "storage", "example.journal")
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatalf("no journal to damage: %v", err)
	}
	// A torn write: the second half of the journal replaced by garbage.
	damaged := append(data[:len(data)/2:len(data)/2], []byte("\x00\x00garbage IN SOA ; torn\n")...)
	if err := os.WriteFile(journal, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	primary.Stop() // the restarted hub must rely on its disk alone first
	h2 := startHubIn(t, dir, yaml)
	if !strings.Contains(h2.logs.String(), "journal damaged") {
		t.Errorf("the damaged journal was not reported:\n%s", h2.logs.String())
	}
	// Nodes follow whatever serial the hub serves, older included: the
	// zone file's version (1, older than the 3 nodes have) must not be.
	if rcode := hubSOARcode(hubAddr); rcode != dns.RcodeServerFailure {
		t.Fatalf("the restarted hub answers the SOA of the zone whose journal is damaged with %s, want SERVFAIL (not served)\n%s", dns.RcodeToString[rcode], h2.logs.String())
	}
	if !strings.Contains(h2.logs.String(), "stored version not served") {
		t.Errorf("the hub does not say why the zone is not served:\n%s", h2.logs.String())
	}
	t.Logf("damaged journal: the restarted hub reports it and serves nothing for the zone (SERVFAIL) rather than its older zone file")
	restarted := time.Now()
	primary.Restart()
	took := waitHubSerial(t, hubAddr, 3, 15*time.Second, h2.logs.String)
	if st, _ := h2.ZoneStatus("example."); st.Refresh == nil || st.Refresh.LastKind != string(xfr.KindAXFR) {
		t.Errorf("the hub caught up by %+v, want a whole transfer (AXFR)", st.Refresh)
	}
	if _, incremental := transferFromHub(t, hubAddr, 2); incremental {
		t.Errorf("IXFR from serial 2 answered incrementally after the damaged journal was dropped")
	}
	rrs, _ := transferFromHub(t, hubAddr, 0)
	const want = 1 + 4 + 2*13 + 1 // SOA, 2 NS, 2 A, 13 delegations of 2, closing SOA
	if soa, ok := rrs[0].(*dns.SOA); !ok || soa.Serial != 3 || len(rrs) != want {
		t.Fatalf("AXFR of serial 3 after recovery: %d records, want %d", len(rrs), want)
	}
	t.Logf("primary back: hub serves serial 3 %v later (%v after restart), the whole zone intact (%d records)",
		took.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond), len(rrs))
}

// TestDiskFullDuringWrite: the hub's storage is a 256 KiB tmpfs in a
// private mount namespace (the hub runs as a child inside it). A new
// version too big for what is left fails to be stored: the hub keeps
// serving the old one, whose file on disk is intact, leaves no partial
// file behind, says why, and stores and serves the new version once space
// is freed.
func TestDiskFullDuringWrite(t *testing.T) {
	requireRoot(t, "unshare", "nsenter", "mount")
	bin := testpeer.AnycloudBinary(t)
	dir := t.TempDir()
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		t.Fatal(err)
	}
	hubAddr := testpeer.FreeAddr(t)
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 1, 1, 1, 3600, 10),
		KeyName: clientKeyName, Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: hubAddr})
	for name, secret := range map[string]string{"client.key": clientSecret, "node.key": nodeSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "hub.yaml")
	// Serial 2 grows the zone 640 times, past the gate's default growth
	// factor: allowed here, the test is about the full disk.
	if err := os.WriteFile(conf, []byte(hubConfig(hubAddr, storage, primary.Addr, testpeer.FreeAddr(t), "limits: {max-growth: 1000}\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	hub := startInMountNamespace(t, storage, "256k", bin, "hub", "--config", conf)
	waitHubSerial(t, hubAddr, 1, 15*time.Second, hub.output)
	zoneFile := fmt.Sprintf("/proc/%d/root%s", hub.pid(), filepath.Join(storage, "example.zone"))
	before, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatalf("the stored version on the tmpfs: %v", err)
	}

	// Serial 2 has 8000 more delegations: about 400 KiB as a zone file.
	primary.WriteZone(testpeer.ZoneText("example.", 2, 1, 1, 3600, 8000))
	primary.Reload()
	full := time.Now()
	for !strings.Contains(hub.output(), "no space left on device") {
		if time.Since(full) > 20*time.Second {
			t.Fatalf("the hub never reported the full disk\n%s", hub.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // and a retry or two
	if s := hubSOA(hubAddr); s != 1 {
		t.Errorf("with the disk full the hub serves serial %d, want the stored 1", s)
	}
	after, err := os.ReadFile(zoneFile)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the stored version changed on disk (%v): %d bytes, was %d", err, len(after), len(before))
	}
	if leftovers := lastingFiles(fmt.Sprintf("/proc/%d/root%s/.*.tmp*", hub.pid(), storage), 3, 250*time.Millisecond); len(leftovers) > 0 {
		t.Errorf("partial files left on the full disk: %v", leftovers)
	}
	rrs, _ := transferFromHub(t, hubAddr, 0)
	if len(rrs) != 1+4+2*10+1 {
		t.Errorf("AXFR from the hub with the disk full: %d records, want the 26 of serial 1", len(rrs))
	}
	line := ""
	for _, l := range strings.Split(hub.output(), "\n") {
		if strings.Contains(l, "no space left on device") {
			line = l
			break
		}
	}
	t.Logf("disk full: %s", line)

	// Space is freed (the tmpfs grows): the next refresh stores serial 2.
	if out, err := exec.Command("nsenter", "-t", fmt.Sprint(hub.pid()), "-m", "mount", "-o", "remount,size=8m", storage).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v: %s", err, out)
	}
	freed := time.Now()
	took := waitHubSerial(t, hubAddr, 2, 20*time.Second, hub.output)
	t.Logf("space freed: serial 2 stored and served %v later (disk full for %v)", took.Round(time.Millisecond), freed.Sub(full).Round(time.Millisecond))
}

// lastingFiles lists the files matching pattern in each of n globs spaced
// by gap. The hub keeps retrying while the disk is full, and each retry's
// temporary file exists for the moment its write takes before it is
// removed: one glob can catch that; a leftover is in every glob.
func lastingFiles(pattern string, n int, gap time.Duration) []string {
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			seen[f]++
		}
	}
	var out []string
	for f, c := range seen {
		if c == n {
			out = append(out, f)
		}
	}
	return out
}

// childProc is a process started by the test, its output kept.
type childProc struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *childProc) pid() int { return c.cmd.Process.Pid }

func (c *childProc) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// startInMountNamespace runs argv in a new private mount namespace with a
// tmpfs of size mounted on dir; the mount vanishes with the process.
func startInMountNamespace(t *testing.T, dir, size string, argv ...string) *childProc {
	t.Helper()
	script := `mount -t tmpfs -o size="$1",mode=0755 tmpfs "$2" && shift 2 && exec "$@"`
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", size, dir}, argv...)...)
	c := &childProc{cmd: cmd}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			c.mu.Lock()
			c.out.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		<-done
	})
	return c
}
