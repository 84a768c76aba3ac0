package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/lab"
	"anycloud/internal/node"
	"anycloud/internal/secondary"
	"anycloud/internal/testenv"
	"anycloud/internal/xfr"
)

// Fault scenarios of issue 7 about the hub and its clients' primaries, in
// the lab with a client's query stream running (faults_cloud_test.go runs
// them), each ending with every node serving every zone with its Knot
// primary's serial:
//
//	transfer-cut     sv.'s primary closes every transfer half way
//	older-serial     a Knot for do. serves an older serial (an old backup)
//	clock-skew       a Knot for gt. runs an hour ahead (libfaketime): BADTIME
//	hostile-primary  sv.'s primary sends an AXFR without end, then trickles
//	disk-full        the hub's storage fills while it writes do.'s new version
//	corrupt-journal  the hub is stopped, sv.'s journal damaged, the hub started
//
// The misbehaving primaries stand in for the client's Knot: the hub's
// queries to the primary's address are diverted (nftables redirect in the
// primary's namespace) to port 5300 there, where either a second knotd or,
// where no real server misbehaves that way, a primary scripted with
// miekg/dns in this process listens. The client's Knot keeps running on
// port 53, and the scenario ends with a change there reaching every node.

// standinPort is where a diverted primary's stand-in listens.
const standinPort = 5300

// divert sends the DNS packets reaching zone's primary namespace from
// outside (the hub's SOA queries and transfers) to standinPort there. The
// returned undo removes the rule (also a cleanup); queries from inside the
// namespace (primarySerial) still reach the client's Knot.
func (l *testLab) divert(t *testing.T, zone string) (undo func()) {
	t.Helper()
	ns := l.ns(primaryHost(zone))
	rules := fmt.Sprintf(`table inet anycloud_divert {
	chain prerouting {
		type nat hook prerouting priority -100; policy accept;
		udp dport 53 redirect to :%[1]d
		tcp dport 53 redirect to :%[1]d
	}
}
`, standinPort)
	file := filepath.Join(t.TempDir(), "divert.nft")
	if err := os.WriteFile(file, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "netns", "exec", ns, "nft", "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v: %s", ns, err, out)
	}
	var once sync.Once
	undo = func() {
		once.Do(func() {
			exec.Command("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "anycloud_divert").Run()
		})
	}
	t.Cleanup(undo)
	return undo
}

func primaryHost(zone string) string { return "primary-" + strings.TrimSuffix(zone, ".") }

// clientKey is the TSIG key zone's primary shares with the hub.
func (l *testLab) clientKey(t *testing.T, zone string) (name, secret string) {
	t.Helper()
	name = clientKeyName(zone)
	secret, err := readKey(filepath.Join(l.dir, "keys", strings.TrimSuffix(name, ".")+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return name, secret
}

// knotc runs knotc against zone's primary (the client's Knot).
func (l *testLab) knotc(t *testing.T, zone string, args ...string) {
	t.Helper()
	sock := filepath.Join(l.dir, primaryHost(zone), "knot.sock")
	if out, err := exec.Command("knotc", append([]string{"-s", sock}, args...)...).CombinedOutput(); err != nil {
		if args[0] != "zone-notify" {
			exec.Command("knotc", "-s", sock, "zone-abort", zone).Run()
		}
		t.Fatalf("knotc %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// standinSOA asks the stand-in on zone's primary for its serial, from
// inside the primary's namespace (0: no answer).
func (l *testLab) standinSOA(zone string) uint32 {
	host := primaryHost(zone)
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	var r *dns.Msg
	lab.InNamespace(l.ns(host), func() error {
		var err error
		r, _, err = (&dns.Client{Timeout: 500 * time.Millisecond}).Exchange(q, netip.AddrPortFrom(l.unicastOf(host), standinPort).String())
		return err
	})
	if r == nil {
		return 0
	}
	return soaSerial(r)
}

// startKnotStandin runs a second knotd for zone on standinPort of its
// primary's namespace, serving ZoneText(zone, serial) with the client's
// key; env is added to its environment. It is stopped (SIGTERM to its PID)
// by the returned stop and at cleanup.
func (l *testLab) startKnotStandin(t *testing.T, zone string, serial uint32, env ...string) (stop func()) {
	t.Helper()
	host := primaryHost(zone)
	h, _ := l.st.Plan.Host(host)
	dir := t.TempDir()
	name, secret := l.clientKey(t, zone)
	// No NOTIFY: the client's own Knot notifies.
	text := primaryKnot(l.st.Plan, []string{fmt.Sprintf("%s@%d", v4(h), standinPort)}, zone, dir, name, secret, false)
	confFile := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(confFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zone.db"), []byte(ZoneText(zone, serial)), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "knotd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	argv := append(append([]string{"netns", "exec", h.Namespace, "env"}, env...), "knotd", "-c", confFile)
	cmd := exec.Command("ip", argv...) // ip and env exec knotd: the PID is knotd's
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		})
	}
	t.Cleanup(stop)
	for end := time.Now().Add(10 * time.Second); l.standinSOA(zone) != serial; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the stand-in knotd for %s does not serve serial %d:\n%s", zone, serial, log)
		}
	}
	return stop
}

// Behaviours of a scripted primary.
const (
	scriptCut     = iota // half the zone, then the connection closed
	scriptEndless        // records without end, never the closing SOA
	scriptTrickle        // one record a second, without end
)

// scriptedPrimary serves zone on standinPort of its primary's namespace
// with the client's key, announcing serial (SOA queries are answered
// properly) and misbehaving in every transfer.
type scriptedPrimary struct {
	serial  uint32
	records []dns.RR // the zone, SOA first
	mode    atomic.Int32
	// transfers counts transfer requests; hungUp those the hub closed
	// before the end; sent the records streamed in misbehaving transfers.
	transfers, hungUp atomic.Int32
	sent              atomic.Int64
	quit              chan struct{}
}

func (l *testLab) startScriptedPrimary(t *testing.T, zone string, serial uint32, mode int32) *scriptedPrimary {
	t.Helper()
	host := primaryHost(zone)
	name, secret := l.clientKey(t, zone)
	key, err := xfr.NewKey(name, "hmac-sha256", secret)
	if err != nil {
		t.Fatal(err)
	}
	p := &scriptedPrimary{serial: serial, quit: make(chan struct{})}
	p.mode.Store(mode)
	zp := dns.NewZoneParser(strings.NewReader(ZoneText(zone, serial)), zone, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		p.records = append(p.records, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	addr := netip.AddrPortFrom(l.unicastOf(host), standinPort).String()
	var ln net.Listener
	var pc net.PacketConn
	err = lab.InNamespace(l.ns(host), func() error {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return err
		}
		pc, err = net.ListenPacket("udp", addr)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{
		{Listener: ln, Handler: p, TsigProvider: xfr.Provider(key)},
		{PacketConn: pc, Handler: p, TsigProvider: xfr.Provider(key)},
	} {
		go srv.ActivateAndServe()
		t.Cleanup(func() { srv.Shutdown() })
	}
	t.Cleanup(func() { close(p.quit) })
	return p
}

func (p *scriptedPrimary) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 || (req.IsTsig() != nil && w.TsigStatus() != nil) {
		w.WriteMsg(new(dns.Msg).SetRcode(req, dns.RcodeRefused))
		return
	}
	reply := func(answer []dns.RR) *dns.Msg {
		m := new(dns.Msg).SetReply(req)
		m.Authoritative, m.Answer = true, answer
		if t := req.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
		}
		return m
	}
	switch req.Question[0].Qtype {
	case dns.TypeSOA:
		w.WriteMsg(reply(p.records[:1]))
	case dns.TypeAXFR, dns.TypeIXFR:
		p.transfers.Add(1)
		if p.mode.Load() == scriptCut {
			// The first half of an AXFR-style answer, then the connection
			// dies, as when a primary crashes mid-transfer.
			w.WriteMsg(reply(p.records[:len(p.records)/2]))
			w.Close()
			return
		}
		p.stream(w, req)
	default:
		w.WriteMsg(reply(nil))
	}
}

// stream sends the zone's records, then more without end (one a second
// when trickling), until the hub hangs up (or a minute passes).
func (p *scriptedPrimary) stream(w dns.ResponseWriter, req *dns.Msg) {
	ch := make(chan *dns.Envelope)
	done := make(chan error, 1)
	go func() { done <- new(dns.Transfer).Out(w, req, ch) }()
	defer close(ch)
	feed := func(rrs []dns.RR) bool {
		select {
		case ch <- &dns.Envelope{RR: rrs}:
			p.sent.Add(int64(len(rrs)))
			return true
		case err := <-done:
			done <- err
			p.hungUp.Add(1)
			return false
		case <-p.quit:
			return false
		}
	}
	if !feed(p.records) {
		return
	}
	origin := p.records[0].Header().Name
	for i, end := 0, time.Now().Add(time.Minute); time.Now().Before(end); i++ {
		n := 200
		if p.mode.Load() == scriptTrickle {
			n = 1
			time.Sleep(time.Second)
		}
		batch := make([]dns.RR, n)
		for j := range batch {
			batch[j] = &dns.A{Hdr: dns.RR_Header{Name: fmt.Sprintf("h%d-%d.%s", i, j, origin), Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 3600},
				A: net.IPv4(192, 0, 2, byte(j%250+1))}
		}
		if !feed(batch) {
			return
		}
	}
}

// notifyHub makes zone's Knot send NOTIFY to the hub, whose SOA query then
// reaches whatever answers on the primary's address.
func (l *testLab) notifyHub(t *testing.T, zone string) {
	t.Helper()
	l.knotc(t, zone, "zone-notify", zone)
}

// hubLogLine is the last line of the hub's logs since since with every
// word, "" for none.
func (l *testLab) hubLogLine(since time.Time, words ...string) string {
	files, _ := filepath.Glob(filepath.Join(l.dir, "hub", "*.log"))
	last := ""
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(data), "\n") {
			if at, ok := logTime(line); ok && !at.Before(since) && containsAll(line, words) {
				last = line
			}
		}
	}
	return last
}

// refreshError is the error of the hub's last failed refresh of zone since
// since that says reason, "" for none.
func (l *testLab) refreshError(since time.Time, zone, reason string) string {
	return errOf(l.hubLogLine(since, "zone refresh failed", "zone="+zone, reason))
}

// awaitRefreshError waits until the hub logs a failed refresh of zone that
// says reason, and returns when it was seen and its error.
func (l *testLab) awaitRefreshError(t *testing.T, zone string, since time.Time, within time.Duration, what, reason string) (time.Time, string) {
	t.Helper()
	seen := l.waitUntil(t, within, what, func() bool {
		return l.logsSince("hub", since, "zone refresh failed", "zone="+zone, reason) > 0
	})
	return seen, l.refreshError(since, zone, reason)
}

// errOf is the err= field of a slog text line (the line if none).
func errOf(line string) string {
	if _, rest, ok := strings.Cut(line, " err="); ok {
		if s, err := strconv.QuotedPrefix(rest); err == nil {
			u, _ := strconv.Unquote(s)
			return u
		}
		return rest
	}
	return line
}

// keptEverywhere checks that every node still answers zone with serial.
func (l *testLab) keptEverywhere(t *testing.T, zone string, serial uint32, while string) {
	t.Helper()
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, zone); a.err != nil || a.rcode != dns.RcodeSuccess || a.serial != serial {
			t.Errorf("%s %s: %v, want the last good serial %d", n, while, a, serial)
		}
	}
}

// bumpAndServe changes zone at its Knot and waits until every node serves
// every zone with its primary's serial; it returns how long that took.
func (l *testLab) bumpAndServe(t *testing.T, zone string) time.Duration {
	t.Helper()
	start := time.Now()
	if err := lab.Bump(context.Background(), l.dir, zone, l.cloud); err != nil {
		t.Fatal(err)
	}
	l.waitAllServe(t, 20*time.Second)
	return time.Since(start)
}

// streamLost stops s and fails the test if a query went unanswered: none
// of these faults is on the query path.
func streamLost(t *testing.T, s *lab.Stream) (lost, sent int) {
	t.Helper()
	lost, sent, gap := countLost(s.Stop(context.Background()))
	if lost > 0 {
		t.Errorf("%d of %d queries lost (longest gap %v), though nothing on the query path was broken", lost, sent, gap)
	}
	return lost, sent
}

// faultTransferCut: sv.'s primary announces a new serial and closes every
// transfer half way; the hub discards the truncated transfers, says so and
// retries, and the nodes keep the last good version.
func (l *testLab) faultTransferCut(t *testing.T) faultRow {
	const zone = "sv."
	good := l.primarySerial(t, zone)
	s := l.startFaultStream(t, "san-jose", zone)
	p := l.startScriptedPrimary(t, zone, good+1, scriptCut)
	undo := l.divert(t, zone)
	broken := time.Now()
	l.notifyHub(t, zone)
	l.waitUntil(t, 15*time.Second, "the hub retried the cut transfer", func() bool {
		return p.transfers.Load() >= 2 && l.logsSince("hub", broken, "zone refresh failed", "zone="+zone, "truncated transfer discarded") >= 2
	})
	line := l.refreshError(broken, zone, "truncated transfer discarded")
	l.keptEverywhere(t, zone, good, "while its primary cuts every transfer")
	cuts := l.logsSince("hub", broken, "zone refresh failed", "zone="+zone, "truncated transfer discarded")
	undo()
	fixed := time.Now()
	took := l.bumpAndServe(t, zone)
	lost, sent := streamLost(t, s)
	t.Logf("transfers of %s cut half way: %d attempts in %v, every one discarded (%s); nodes kept %d; a change after the repair reached every node %v later",
		zone, p.transfers.Load(), fixed.Sub(broken).Round(time.Millisecond), line, good, took.Round(time.Millisecond))
	if !strings.Contains(line, fmt.Sprintf("cut after %d records", len(p.records)/2)) {
		t.Errorf("the hub's reason does not say where the transfer was cut (%d records): %q", len(p.records)/2, line)
	}
	return faultRow{scenario: "transfer cut half way (sv.)",
		did: fmt.Sprintf("the hub discarded each of %d truncated transfers of serial %d (logged: `%s`) and retried; every node kept serial %d",
			cuts, good+1, strings.TrimPrefix(shortReason(line), "transfer: "), good),
		lost: lost, sent: sent, recover: took}
}

// shortReason drops the server's address and the network error from a
// transfer error, for the table.
func shortReason(s string) string {
	if i := strings.Index(s, " from "); i >= 0 {
		if j := strings.Index(s[i+6:], " "); j >= 0 {
			s = s[:i] + s[i+6+j:]
		}
	}
	if i := strings.Index(s, "): "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

// faultOlderSerial: a second Knot for do. serves an older serial, as a
// client's primary restored from an old backup; the hub refuses to go
// back, says how to force it, and keeps the newer version.
func (l *testLab) faultOlderSerial(t *testing.T) faultRow {
	const zone = "do."
	if l.primarySerial(t, zone) < 2 {
		l.bumpAndServe(t, zone) // an older serial must exist
	}
	good := l.primarySerial(t, zone)
	s := l.startFaultStream(t, "santo-domingo", zone)
	stop := l.startKnotStandin(t, zone, good-1)
	undo := l.divert(t, zone)
	broken := time.Now()
	l.notifyHub(t, zone)
	seen, line := l.awaitRefreshError(t, zone, broken, 15*time.Second, "the hub refuses the older serial", "older than")
	l.keptEverywhere(t, zone, good, "while its primary serves an older serial")
	stop()
	undo()
	took := l.bumpAndServe(t, zone)
	lost, sent := streamLost(t, s)
	t.Logf("a Knot serving %s serial %d, older than %d: the hub refused it %v later (%s); a change at the client's Knot then reached every node in %v",
		zone, good-1, good, seen.Sub(broken).Round(time.Millisecond), line, took.Round(time.Millisecond))
	if want := fmt.Sprintf("serial %d, older than %d in service", good-1, good); !strings.Contains(line, want) || !strings.Contains(line, "--accept-older") {
		t.Errorf("the hub's reason %q does not say %q and how to force it", line, want)
	}
	return faultRow{scenario: "primary serving an older serial (do.)",
		did: fmt.Sprintf("a Knot serving serial %d from an old backup: the hub refused it %v after the NOTIFY (`%s`); every node kept %d",
			good-1, seen.Sub(broken).Round(100*time.Millisecond), strings.TrimPrefix(line, zone+" "), good),
		lost: lost, sent: sent, recover: took}
}

// libfaketime is the preload library of the faketime package, "" if not
// installed.
func libfaketime() string {
	for _, pattern := range []string{"/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1"} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}

// signedSOAFromHub asks zone's primary address from the hub's namespace
// for the SOA, signed with the client's key at time at, and returns the
// answer (nil if none) without judging its signature.
func (l *testLab) signedSOAFromHub(t *testing.T, zone string, at time.Time) *dns.Msg {
	t.Helper()
	name, secret := l.clientKey(t, zone)
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	q.SetTsig(name, dns.HmacSHA256, 300, at.Unix())
	c := &dns.Client{Timeout: time.Second, TsigSecret: map[string]string{name: secret}}
	var r *dns.Msg
	lab.InNamespace(l.ns("hub"), func() error {
		r, _, _ = c.Exchange(q, netip.AddrPortFrom(l.unicastOf(primaryHost(zone)), dnsPort).String())
		return nil
	})
	return r
}

// tsigTime is the time a TSIG answer carries: the server's clock in Other
// Data for BADTIME (RFC 8945 5.2.3), else Time Signed.
func tsigTime(r *dns.Msg) (time.Time, uint16, bool) {
	if r == nil || r.IsTsig() == nil {
		return time.Time{}, 0, false
	}
	rt := r.IsTsig()
	if rt.Error == dns.RcodeBadTime && rt.OtherLen == 6 {
		if v, err := strconv.ParseUint(rt.OtherData, 16, 64); err == nil {
			return time.Unix(int64(v), 0), rt.Error, true
		}
	}
	return time.Unix(int64(rt.TimeSigned), 0), rt.Error, true
}

// faultClockSkew: gt.'s primary is a Knot whose clock is an hour ahead
// (libfaketime), beyond the TSIG fudge of 300 s; it refuses the hub's
// signed requests with BADTIME, and the hub explains which clock is off by
// how much and keeps the last good version.
func (l *testLab) faultClockSkew(t *testing.T) faultRow {
	lib := libfaketime()
	if lib == "" {
		testenv.Skip(t, "clock skew needs libfaketime (apt-get install faketime)")
	}
	const zone = "gt."
	good := l.primarySerial(t, zone)
	s := l.startFaultStream(t, "mexico-city", zone)
	stop := l.startKnotStandin(t, zone, good+1, "LD_PRELOAD="+lib, "FAKETIME=+1h")
	undo := l.divert(t, zone)
	// Knot really runs an hour ahead: it refuses a request signed now
	// with BADTIME and its own time, and signs its answer to a request
	// signed at its time with that time.
	now := time.Now()
	r := l.signedSOAFromHub(t, zone, now)
	badtime, tsigErr, ok := tsigTime(r)
	if !ok || tsigErr != dns.RcodeBadTime || badtime.Sub(now) < 59*time.Minute || badtime.Sub(now) > 61*time.Minute {
		t.Fatalf("Knot under libfaketime +1h, asked with the right time: TSIG error %s, its time %v ahead (answer %v)", dns.RcodeToString[int(tsigErr)], badtime.Sub(now), r)
	}
	r = l.signedSOAFromHub(t, zone, now.Add(time.Hour))
	signed, tsigErr, ok := tsigTime(r)
	if !ok || tsigErr != dns.RcodeSuccess || r.Rcode != dns.RcodeSuccess || soaSerial(r) != good+1 || signed.Sub(now) < 59*time.Minute {
		t.Fatalf("Knot under libfaketime +1h, asked at its own time: %v, signed %v ahead", r, signed.Sub(now))
	}
	t.Logf("Knot under libfaketime: BADTIME with its time %v ahead; answer signed %v ahead when asked at its time", badtime.Sub(now).Round(time.Second), signed.Sub(now).Round(time.Second))
	broken := time.Now()
	l.notifyHub(t, zone)
	seen, line := l.awaitRefreshError(t, zone, broken, 15*time.Second, "the hub reports BADTIME", "BADTIME")
	l.keptEverywhere(t, zone, good, "while its primary's clock is an hour ahead")
	stop()
	undo()
	took := l.bumpAndServe(t, zone)
	lost, sent := streamLost(t, s)
	t.Logf("Knot for %s an hour ahead: the hub said so %v after the NOTIFY (%s); with the right clock a change reached every node in %v",
		zone, seen.Sub(broken).Round(time.Millisecond), line, took.Round(time.Millisecond))
	if !strings.Contains(line, "clock is 1h0m0s ahead of ours") && !strings.Contains(line, "clock is 59m") {
		t.Errorf("the hub's reason does not say the primary's clock is an hour ahead: %q", line)
	}
	reason := line
	if i := strings.Index(line, "TSIG BADTIME"); i >= 0 {
		reason = line[i:]
	}
	return faultRow{scenario: "clock skew beyond the TSIG fudge (gt.)",
		did:  fmt.Sprintf("gt.'s Knot run an hour ahead (libfaketime) refused the hub's requests; the hub logged `%s` %v after the NOTIFY; every node kept serial %d", reason, seen.Sub(broken).Round(100*time.Millisecond), good),
		lost: lost, sent: sent, recover: took}
}

// faultHostilePrimary: sv.'s primary streams an AXFR without end, then one
// that trickles a record a second; the hub cuts each at its limits (20000
// records, 4 s in the lab), names the limit, and keeps the last version.
func (l *testLab) faultHostilePrimary(t *testing.T) faultRow {
	const zone = "sv."
	good := l.primarySerial(t, zone)
	s := l.startFaultStream(t, "bogota", zone)
	p := l.startScriptedPrimary(t, zone, good+1, scriptEndless)
	undo := l.divert(t, zone)
	broken := time.Now()
	l.notifyHub(t, zone)
	endless, endlessLine := l.awaitRefreshError(t, zone, broken, 15*time.Second, "the hub cuts the endless transfer", "more than 20000 records")
	sentEndless := p.sent.Load()
	p.mode.Store(scriptTrickle)
	trickleFrom := time.Now()
	trickle, trickleLine := l.awaitRefreshError(t, zone, trickleFrom, 20*time.Second, "the hub cuts the trickling transfer", "still going after 4s")
	l.keptEverywhere(t, zone, good, "while its primary is hostile")
	undo()
	took := l.bumpAndServe(t, zone)
	lost, sent := streamLost(t, s)
	if p.hungUp.Load() < 2 {
		t.Errorf("the hub hung up on %d hostile transfers, want both kinds", p.hungUp.Load())
	}
	for _, line := range []string{endlessLine, trickleLine} {
		if !strings.Contains(line, "limits:") {
			t.Errorf("the hub's reason does not name the limits section: %q", line)
		}
	}
	t.Logf("hostile primary for %s: endless AXFR cut %v after the NOTIFY (%d records streamed: %s); trickle cut %v after it began (%s); a change then reached every node in %v",
		zone, endless.Sub(broken).Round(time.Millisecond), sentEndless, endlessLine, trickle.Sub(trickleFrom).Round(time.Millisecond), trickleLine, took.Round(time.Millisecond))
	return faultRow{scenario: "hostile primary (sv.)",
		did: fmt.Sprintf("an AXFR without end was cut at 20,000 records (%v after the NOTIFY), one trickling a record a second at 4 s (the lab's `limits:`); the hub hung up %d times, every node kept serial %d",
			endless.Sub(broken).Round(100*time.Millisecond), p.hungUp.Load(), good),
		lost: lost, sent: sent, recover: took}
}

// inHubMounts runs a shell script in the hub's mount namespace (`ip netns
// exec` gave it its own).
func inHubMounts(pid int, script string, args ...string) error {
	argv := append([]string{"-t", strconv.Itoa(pid), "-m", "sh", "-c", script, "sh"}, args...)
	if out, err := exec.Command("nsenter", argv...).CombinedOutput(); err != nil {
		return fmt.Errorf("nsenter -m %s: %w: %s", script, err, out)
	}
	return nil
}

// faultDiskFull: the hub's storage becomes a tmpfs holding a copy of it
// with 12 KiB to spare, in the hub's own mount namespace; do. then gains
// four 8 KiB records. The hub cannot store that version: it keeps serving
// the old one, intact on disk, leaves no partial file, and says why; once
// the tmpfs grows, the next refresh stores and serves the new version.
func (l *testLab) faultDiskFull(t *testing.T) faultRow {
	testenv.RequireCommand(t, "nsenter", "mount", "umount", "cp")
	const zone = "do."
	hub := l.process(t, "hub", "hub")
	own, _ := os.Readlink("/proc/self/ns/mnt")
	if theirs, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", hub)); err != nil || theirs == own {
		t.Fatalf("the hub shares this test's mount namespace (%s, %v): a tmpfs there would hide the storage from everyone", theirs, err)
	}
	storage := filepath.Join(l.dir, "hub", "storage")
	tmpfs := filepath.Join(l.dir, "hub", "storage-tmpfs")
	if err := os.MkdirAll(tmpfs, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := inHubMounts(hub, `mount -t tmpfs -o size=16m,mode=0750 tmpfs "$1" && cp -a "$2"/. "$1"/ && mount --bind "$1" "$2"`, tmpfs, storage); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unmount := func() { once.Do(func() { inHubMounts(hub, `umount "$2"; umount "$1"`, tmpfs, storage) }) }
	t.Cleanup(unmount)
	view := fmt.Sprintf("/proc/%d/root%s", hub, storage) // the storage as the hub sees it
	var fs syscall.Statfs_t
	if err := syscall.Statfs(view, &fs); err != nil {
		t.Fatal(err)
	}
	used := (fs.Blocks - fs.Bfree) * uint64(fs.Bsize)
	if err := inHubMounts(hub, `mount -o remount,size="$2" "$1"`, tmpfs, strconv.FormatUint(used+12<<10, 10)); err != nil {
		t.Fatal(err)
	}
	stored := map[string][]byte{}
	for _, f := range []string{"do.zone", "do.journal"} {
		stored[f], _ = os.ReadFile(filepath.Join(view, f))
	}
	if len(stored["do.zone"]) == 0 {
		t.Fatalf("no do.zone in the hub's storage %s", storage)
	}

	good := l.primarySerial(t, zone)
	s := l.startFaultStream(t, "santiago", zone)
	// The other hubs would feed the new version: the nodes have this hub
	// alone while its disk is full.
	thawOthers := l.freezeHubsExcept(t, "hub")
	broken := time.Now()
	big := strings.TrimSpace(strings.Repeat(strings.Repeat("x", 250)+" ", 32)) // 8 KiB of TXT
	l.knotc(t, zone, "zone-begin", zone)
	for i := range 4 {
		l.knotc(t, zone, "zone-set", zone, fmt.Sprintf("big%d.%s", i, zone), "60", "TXT", big)
	}
	l.knotc(t, zone, "zone-commit", zone)
	bigger := l.primarySerial(t, zone)
	full := l.waitUntil(t, 20*time.Second, "the hub reports the full disk", func() bool {
		return l.logsSince("hub", broken, "zone="+zone, "no space left on device") > 0
	})
	line := errOf(l.hubLogLine(broken, "zone="+zone, "no space left on device"))
	time.Sleep(time.Second) // the nodes' next checks
	l.keptEverywhere(t, zone, good, "with the hub's disk full")
	for f, before := range stored {
		if after, _ := os.ReadFile(filepath.Join(view, f)); !bytes.Equal(before, after) {
			t.Errorf("%s changed on the full disk: %d bytes, was %d", f, len(after), len(before))
		}
	}
	if partial, _ := filepath.Glob(filepath.Join(view, ".*.tmp*")); len(partial) > 0 {
		t.Errorf("partial files left on the full disk: %v", partial)
	}
	if err := inHubMounts(hub, `mount -o remount,size=16m "$1"`, tmpfs); err != nil {
		t.Fatal(err)
	}
	thawOthers()
	took := l.waitAllServe(t, 20*time.Second)
	// Back onto the real disk: what the hub stored on the tmpfs, then the
	// tmpfs gone; the big records removed again through the hub.
	if out, err := exec.Command("cp", "-a", view+"/.", storage+"/").CombinedOutput(); err != nil {
		t.Fatalf("copying the hub's storage back: %v: %s", err, out)
	}
	unmount()
	l.knotc(t, zone, "zone-begin", zone)
	for i := range 4 {
		l.knotc(t, zone, "zone-unset", zone, fmt.Sprintf("big%d.%s", i, zone), "TXT")
	}
	l.knotc(t, zone, "zone-commit", zone)
	l.waitAllServe(t, 20*time.Second)
	lost, sent := streamLost(t, s)
	t.Logf("hub's disk full (tmpfs, 12 KiB free): serial %d of %s (32 KiB more) refused %v after the commit (%s); serial %d kept on every node and intact on disk; space freed: served everywhere %v later",
		bigger, zone, full.Sub(broken).Round(time.Millisecond), line, good, took.Round(time.Millisecond))
	reason := line
	if i := strings.Index(line, "version "); i >= 0 {
		reason = line[i:]
	}
	return faultRow{scenario: "hub's disk full while writing a new version (do.)",
		did:  fmt.Sprintf("the hub's storage a tmpfs with 12 KiB free; serial %d, 32 KiB larger: `%s`; serial %d served on and byte-identical on disk, no partial file left", bigger, shortDiskReason(reason), good),
		lost: lost, sent: sent, recover: took}
}

// shortDiskReason keeps the head and the cause of a storage error.
func shortDiskReason(s string) string {
	head, _, _ := strings.Cut(s, ": ")
	if strings.HasSuffix(s, "no space left on device") {
		return head + ": ... no space left on device"
	}
	return s
}

// hubQuery asks the hub, from its namespace and signed with
// node-sao-paulo's key, for zone: SOA when qtype is SOA, else IXFR from
// serial. It returns the records and whether the answer was incremental.
func (l *testLab) hubQuery(t *testing.T, zone string, qtype uint16, serial uint32) ([]dns.RR, bool, error) {
	t.Helper()
	name := nodeKeyName("node-sao-paulo")
	secret, err := readKey(filepath.Join(l.dir, "keys", strings.TrimSuffix(name, ".")+".key"))
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.AddrPortFrom(l.unicastOf("hub"), dnsPort).String()
	m := new(dns.Msg)
	if qtype == dns.TypeSOA {
		m.SetQuestion(zone, dns.TypeSOA)
	} else {
		m.SetIxfr(zone, serial, "hostmaster."+zone, "ns1."+zone)
	}
	m.SetTsig(name, dns.HmacSHA256, 300, time.Now().Unix())
	var rrs []dns.RR
	err = lab.InNamespace(l.ns("hub"), func() error {
		if qtype == dns.TypeSOA {
			c := &dns.Client{Net: "tcp", Timeout: time.Second, TsigSecret: map[string]string{name: secret}}
			r, _, err := c.Exchange(m, addr)
			if err != nil {
				return err
			}
			if r.Rcode != dns.RcodeSuccess {
				return fmt.Errorf("%s", dns.RcodeToString[r.Rcode])
			}
			rrs = r.Answer
			return nil
		}
		tr := &dns.Transfer{TsigSecret: map[string]string{name: secret}, DialTimeout: time.Second, ReadTimeout: 2 * time.Second}
		ch, err := tr.In(m, addr)
		if err != nil {
			return err
		}
		for env := range ch {
			if env.Error != nil {
				return env.Error
			}
			rrs = append(rrs, env.RR...)
		}
		return nil
	})
	incremental := len(rrs) > 1 && rrs[1].Header().Rrtype == dns.TypeSOA
	return rrs, incremental, err
}

// hubSerial is the serial the hub serves for zone to its nodes (0: none).
func (l *testLab) hubSerial(t *testing.T, zone string) uint32 {
	rrs, _, err := l.hubQuery(t, zone, dns.TypeSOA, 0)
	if err != nil || len(rrs) == 0 {
		return 0
	}
	if soa, ok := rrs[0].(*dns.SOA); ok {
		return soa.Serial
	}
	return 0
}

// nodeRefresh reads zone's refresh state from node's status document.
func (l *testLab) nodeRefresh(nodeName, zone string) (secondary.Status, bool) {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			return lab.DialIn(l.ns(nodeName), network, addr, time.Second)
		}}}
	resp, err := client.Get("http://" + nodeControl + "/status")
	if err != nil {
		return secondary.Status{}, false
	}
	defer resp.Body.Close()
	var doc node.StatusDoc
	if json.NewDecoder(resp.Body).Decode(&doc) != nil {
		return secondary.Status{}, false
	}
	for _, z := range doc.Zones {
		if z.Zone == zone {
			return z.Refresh, true
		}
	}
	return secondary.Status{}, false
}

// zoneFileSerial reads the serial from the first line the hub's store
// writes in a zone file ("; anycloud zone sv. serial 7, 120 records").
func zoneFileSerial(t *testing.T, path string) uint32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	_, rest, ok := strings.Cut(first, " serial ")
	n, err := strconv.ParseUint(strings.TrimRight(strings.Fields(rest + " ")[0], ","), 10, 32)
	if !ok || err != nil {
		t.Fatalf("%s starts with %q", path, first)
	}
	return uint32(n)
}

// faultCorruptJournal: the hub is stopped, the second half of sv.'s journal
// replaced by garbage, and the hub started again with sv.'s primary frozen
// (so that it has its disk alone). The hub reports the damage and does not
// serve its zone file's version, older than what the nodes have (they
// would follow it back); the nodes keep their copies; once the primary is
// back the hub takes the whole zone (AXFR) and a change reaches every node.
func (l *testLab) faultCorruptJournal(t *testing.T) faultRow {
	const zone = "sv."
	storage := filepath.Join(l.dir, "hub", "storage")
	zoneFile, journal := filepath.Join(storage, "sv.zone"), filepath.Join(storage, "sv.journal")
	// The journal must lead from the zone file over a change at least, so
	// that the zone file alone is older than what the nodes serve.
	for i := 0; zoneFileSerial(t, zoneFile) >= l.primarySerial(t, zone); i++ {
		if i == 3 {
			t.Fatalf("the hub's journal of %s does not grow (zone file at %d, primary at %d)", zone, zoneFileSerial(t, zoneFile), l.primarySerial(t, zone))
		}
		l.bumpAndServe(t, zone)
	}
	good, base := l.primarySerial(t, zone), zoneFileSerial(t, zoneFile)
	if _, incremental, err := l.hubQuery(t, zone, dns.TypeIXFR, base); err != nil || !incremental {
		t.Fatalf("before the damage, IXFR from %d at the hub is not incremental (%v): nothing to test", base, err)
	}
	s := l.startFaultStream(t, "san-jose", zone)
	thaw := freeze(t, l.process(t, primaryHost(zone), "knotd"))
	stopped := time.Now()
	var size int
	err := lab.Restart(l.dir, "hub", "hub hub", func() error {
		data, err := os.ReadFile(journal)
		if err != nil {
			return err
		}
		size = len(data)
		damaged := append(data[:len(data)/2:len(data)/2], []byte("\x00\x00garbage IN SOA ; torn\n")...)
		return os.WriteFile(journal, damaged, 0o600)
	})
	if st, lerr := lab.LoadState(l.dir); lerr == nil {
		l.st = st // the hub's PID changed
	}
	if err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	l.waitUntil(t, 15*time.Second, "the restarted hub serves do.", func() bool { return l.hubSerial(t, "do.") != 0 })
	detected := l.hubLogLine(stopped, "journal damaged: ignored", "zone="+zone)
	notServed := l.hubLogLine(stopped, "stored version not served", "zone="+zone)
	if detected == "" || notServed == "" {
		t.Errorf("the restarted hub did not report the damaged journal of %s (%q) and what it does (%q)", zone, detected, notServed)
	}
	if _, _, err := l.hubQuery(t, zone, dns.TypeSOA, 0); err == nil || !strings.Contains(err.Error(), "SERVFAIL") {
		t.Errorf("the hub, its journal of %s damaged and the primary unreachable, answers its nodes %v; want SERVFAIL (its zone file's %d is older than the nodes' %d)", zone, err, base, good)
	}
	// Every node asks the restarted hub (refresh 5 s) and keeps its copy.
	l.waitUntil(t, 15*time.Second, "every node checked "+zone+" with the restarted hub", func() bool {
		for _, n := range l.nodes() {
			if st, ok := l.nodeRefresh(n, zone); !ok || st.LastCheck.Before(restarted) {
				return false
			}
		}
		return true
	})
	l.keptEverywhere(t, zone, good, "while the hub has no good copy")
	thaw()
	back := time.Now()
	caught := l.waitUntil(t, 20*time.Second, "the hub back at "+strconv.Itoa(int(good)), func() bool { return l.hubSerial(t, zone) == good })
	accepted := l.hubLogLine(back, "zone version accepted", "zone="+zone)
	if !strings.Contains(accepted, "transfer=AXFR") {
		t.Errorf("the hub caught up without a whole transfer: %q", accepted)
	}
	took := l.bumpAndServe(t, zone)
	recovered := time.Since(back)
	lost, sent := streamLost(t, s)
	t.Logf("journal of %s damaged (%d bytes, second half garbage), hub restarted: %q (%s); %q; nodes kept %d; primary back: hub at %d by AXFR %v later, a change on every node %v after that",
		zone, size, msgOf(detected), errOf(detected), msgOf(notServed), good, good, caught.Sub(back).Round(time.Millisecond), took.Round(time.Millisecond))
	return faultRow{scenario: "corrupt journal (sv.)",
		did: fmt.Sprintf("hub stopped, the second half of sv.'s journal garbage, hub started with the primary unreachable: damage reported at start, the zone file's serial %d (older than the nodes' %d) not served (SERVFAIL to nodes); nodes kept %d; the hub took the whole zone (AXFR) %v after the primary was back",
			base, good, good, caught.Sub(back).Round(100*time.Millisecond)),
		lost: lost, sent: sent, recover: recovered}
}

// msgOf is the msg= field of a slog text line.
func msgOf(line string) string {
	if _, rest, ok := strings.Cut(line, " msg="); ok {
		if s, err := strconv.QuotedPrefix(rest); err == nil {
			u, _ := strconv.Unquote(s)
			return u
		}
	}
	return line
}
