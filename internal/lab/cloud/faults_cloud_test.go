package cloud

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/lab"
)

// Fault scenarios of issue 7 that are about the cloud, each with a client's
// query stream running (one SOA query every 20 ms at the anycast address),
// each ending with every node serving every zone with its primary's serial:
//
//	primary-down  a client's Knot primary frozen for 3 refresh periods
//	gate-refuses  a client publishes a zone without apex NS: the hub's gate
//	              refuses it, the nodes keep the last good version
//	wrong-key     a client's primary gets another TSIG secret: the hub
//	              cannot verify it (BADSIG), says why, keeps serving
//	hub-down      the hub frozen until the zones expire: SERVFAIL for the
//	              first expired zone while the others are served, withdrawal
//	              once nothing is left; back when the hub is
//	node-restart  a node killed and restarted while the hub is unreachable:
//	              it answers from disk, then announces
//	uplink-flap   a node's uplink goes dead and back three times
//	router-down   the router of the city between a client and its node dies
//
// The closing table (-v) is the one docs/reliability.md repeats. Run:
// sudo go test -run 'TestLab/faults' -v ./internal/lab/cloud/
func (l *testLab) testFaults(t *testing.T) {
	var rows []faultRow
	record := func(r faultRow) {
		rows = append(rows, r)
		t.Log(r)
	}
	for _, f := range []struct {
		name string
		run  func(*testing.T) faultRow
	}{
		{"primary-down", l.faultPrimaryDown},
		{"gate-refuses", l.faultGateRefuses},
		{"wrong-key", l.faultWrongKey},
		{"hub-down", l.faultHubDown},
		{"node-restart", l.faultNodeRestart},
		{"uplink-flap", l.faultUplinkFlap},
		{"router-down", l.faultRouterDown},
		// faults_hub_test.go
		{"transfer-cut", l.faultTransferCut},
		{"older-serial", l.faultOlderSerial},
		{"clock-skew", l.faultClockSkew},
		{"hostile-primary", l.faultHostilePrimary},
		{"disk-full", l.faultDiskFull},
		{"corrupt-journal", l.faultCorruptJournal},
		{"no-transfer-from-nodes", l.faultNoTransferFromNodes},
		{"secrets-not-in-logs", l.faultSecretsNotInLogs},
	} {
		if !t.Run(f.name, func(t *testing.T) {
			if r := f.run(t); r.scenario != "" {
				record(r)
			}
		}) {
			break // later scenarios assume a healed lab
		}
	}
	t.Logf("faults in the lab (stream: one SOA query every %v, lost = no answer within %v):\n"+
		"| scenario | what anycloud did | queries lost | time to recover |\n|---|---|---|---|\n%s",
		faultInterval, faultTimeout, joinRows(rows))
}

func joinRows(rows []faultRow) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.String())
	}
	return strings.Join(s, "\n")
}

// faultPrimaryDown: sv.'s primary is frozen for 15 s (refresh 5 s, retry
// 2 s); the hub's refreshes fail and it keeps serving; every node keeps
// answering; once the primary is back a change reaches every node.
func (l *testLab) faultPrimaryDown(t *testing.T) faultRow {
	const zone = "sv."
	before := l.nodeAnswer("node-mexico-city", zone)
	s := l.startFaultStream(t, "san-jose", zone)
	thaw := freeze(t, l.process(t, "primary-sv", "knotd"))
	frozen := time.Now()
	time.Sleep(15 * time.Second)
	failed := l.logsSince("hub", frozen, "zone refresh failed", "zone="+zone)
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, zone); a.rcode != dns.RcodeSuccess || a.serial != before.serial {
			t.Errorf("%s with the primary down: %v, want serial %d", n, a, before.serial)
		}
	}
	thaw()
	back := time.Now()
	if err := lab.Bump(context.Background(), l.dir, zone, l.cloud); err != nil {
		t.Fatal(err)
	}
	took := l.waitAllServe(t, 20*time.Second)
	lost, sent, _ := countLost(s.Stop(context.Background()))
	t.Logf("hub logged %d failed refreshes of %s in 15 s; a change after the primary came back reached every node %v later", failed, zone, time.Since(back).Round(time.Millisecond))
	if failed == 0 {
		t.Errorf("the hub logged no failed refresh of %s while its primary was down", zone)
	}
	if lost > 0 {
		t.Errorf("%d of %d queries lost while only the primary was down", lost, sent)
	}
	return faultRow{scenario: "client primary down 15 s (refresh 5 s)",
		did:  fmt.Sprintf("hub retried (%d failed refreshes logged), kept serving serial %d; nodes unaffected", failed, before.serial),
		lost: lost, sent: sent, recover: took}
}

// faultGateRefuses: do.'s primary publishes a version without apex NS
// (an operator's slip); the hub's gate refuses it and the nodes keep
// serving the last good version; the client's fix reaches every node.
func (l *testLab) faultGateRefuses(t *testing.T) faultRow {
	const zone = "do."
	sock := filepath.Join(l.dir, "primary-do", "knot.sock")
	knotc := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("knotc", append([]string{"-s", sock}, args...)...).CombinedOutput(); err != nil {
			exec.Command("knotc", "-s", sock, "zone-abort", zone).Run()
			t.Fatalf("knotc %v: %v: %s", args, err, out)
		}
	}
	good := l.nodeAnswer("node-sao-paulo", zone).serial
	s := l.startFaultStream(t, "santo-domingo", zone)
	broken := time.Now()
	knotc("zone-begin", zone)
	knotc("zone-unset", zone, zone, "NS")
	knotc("zone-commit", zone)
	bad := l.primarySerial(t, zone)
	refused := l.waitUntil(t, 15*time.Second, "the hub logs the refused version", func() bool {
		return l.logsSince("hub", broken, "rejected by the gate", "zone="+zone) > 0
	})
	time.Sleep(2 * time.Second)
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, zone); a.rcode != dns.RcodeSuccess || a.serial != good {
			t.Errorf("%s after the refused version %d: %v, want the good serial %d", n, bad, a, good)
		}
	}
	fixed := time.Now()
	knotc("zone-begin", zone)
	knotc("zone-set", zone, zone, "3600", "NS", "ns1."+zone)
	knotc("zone-set", zone, zone, "3600", "NS", "ns.anycloud.lab.")
	knotc("zone-commit", zone)
	took := l.waitAllServe(t, 20*time.Second)
	lost, sent, _ := countLost(s.Stop(context.Background()))
	t.Logf("version %d without apex NS refused at the hub %v after the commit; nodes kept %d; the fix reached every node %v after it", bad,
		refused.Sub(broken).Round(time.Millisecond), good, time.Since(fixed).Round(time.Millisecond))
	if lost > 0 {
		t.Errorf("%d of %d queries lost around a refused version", lost, sent)
	}
	return faultRow{scenario: "zone failing the gate (do. without apex NS)",
		did:  fmt.Sprintf("hub refused serial %d (logged with the reason, kept under rejected/); nodes kept serial %d; the fix went through", bad, good),
		lost: lost, sent: sent, recover: took}
}

// faultWrongKey: gt.'s Knot primary is reconfigured with another secret
// for the client's key and changes the zone; the hub cannot verify it
// (BADSIG), says so, and keeps serving the last version; once the secret
// is put back the change reaches every node.
func (l *testLab) faultWrongKey(t *testing.T) faultRow {
	const zone = "gt."
	dir := filepath.Join(l.dir, "primary-gt")
	conf, sock := filepath.Join(dir, "knot.conf"), filepath.Join(dir, "knot.sock")
	orig, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := readKey(filepath.Join(l.dir, "keys", strings.TrimSuffix(clientKeyName(zone), ".")+".key"))
	if err != nil || !strings.Contains(string(orig), secret) {
		t.Fatalf("the client key is not in %s: %v", conf, err)
	}
	wrong := base64.StdEncoding.EncodeToString([]byte("not-the-secret-the-hub-holds-000"))
	reload := func(text []byte) {
		t.Helper()
		if err := os.WriteFile(conf, text, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("knotc", "-s", sock, "reload").CombinedOutput(); err != nil {
			t.Fatalf("knotc reload: %v: %s", err, out)
		}
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			reload(orig)
		}
	}
	t.Cleanup(restore)
	good := l.nodeAnswer("node-mexico-city", zone).serial
	s := l.startFaultStream(t, "mexico-city", zone)
	broken := time.Now()
	reload([]byte(strings.ReplaceAll(string(orig), secret, wrong)))
	if err := lab.Bump(context.Background(), l.dir, zone, l.cloud); err != nil {
		t.Fatal(err)
	}
	bad := l.primarySerial(t, zone)
	seen := l.waitUntil(t, 15*time.Second, "the hub reports the bad signature", func() bool {
		return l.logsSince("hub", broken, "BADSIG") > 0
	})
	var line string
	logs, _ := filepath.Glob(filepath.Join(l.dir, "hub", "*.log"))
	for _, f := range logs {
		data, _ := os.ReadFile(f)
		for _, ln := range strings.Split(string(data), "\n") {
			if _, rest, ok := strings.Cut(ln, "BADSIG"); ok {
				line = "BADSIG" + rest
			}
		}
	}
	time.Sleep(2 * time.Second)
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, zone); a.rcode != dns.RcodeSuccess || a.serial != good {
			t.Errorf("%s with the primary's key wrong: %v, want serial %d", n, a, good)
		}
	}
	fixed := time.Now()
	restore()
	took := l.waitAllServe(t, 20*time.Second)
	lost, sent, _ := countLost(s.Stop(context.Background()))
	t.Logf("wrong secret at gt.'s primary: the hub said so %v later (%s); serial %d reached every node %v after the secret was put back",
		seen.Sub(broken).Round(time.Millisecond), strings.TrimSpace(line), bad, time.Since(fixed).Round(time.Millisecond))
	if lost > 0 {
		t.Errorf("%d of %d queries lost while a primary had the wrong key", lost, sent)
	}
	return faultRow{scenario: "wrong TSIG key at a client's primary (gt.)",
		did:  fmt.Sprintf("hub's refreshes failed with BADSIG (logged, with the key name) and kept serial %d; the change went through once the key was right", good),
		lost: lost, sent: sent, recover: took}
}

// faultHubDown: SOA expire 10 s on gt. and 30 s on sv. and do.; every hub
// is frozen. Each node keeps serving until gt. expires (SERVFAIL for gt.,
// still announced for the others), withdraws once sv. and do. expired too
// (nothing left to serve), and comes back once the hub is.
func (l *testLab) faultHubDown(t *testing.T) faultRow {
	expire := map[string]time.Duration{"gt.": 10 * time.Second, "sv.": 30 * time.Second, "do.": 30 * time.Second}
	for z, e := range expire {
		l.setSOATimers(t, z, e)
	}
	t.Cleanup(func() {
		for z := range expire {
			l.setSOATimers(t, z, 7*24*time.Hour)
		}
		l.waitAllServe(t, 30*time.Second)
	})
	l.waitAllServe(t, 20*time.Second)
	l.waitExpireTimers(t, expire)
	if served := l.servedByNode(t, "node-sao-paulo"); len(served) != len(expire) {
		t.Fatalf("node-sao-paulo serves %v: the zones other than %v would keep it announced", served, l.zones())
	}
	s := l.startFaultStream(t, "mexico-city", "sv.")
	thaw := l.freezeHubs(t)
	frozen := time.Now()
	t.Cleanup(func() { // runs before the thaw's cleanup
		if t.Failed() {
			for _, n := range l.nodes() {
				t.Logf("%s: gt. %s", n, l.zoneStatus(n, "gt."))
			}
		}
	})

	// Phase 1: gt. expires everywhere; sv. is still served and every node
	// still announced.
	firstExpired := l.waitUntil(t, 25*time.Second, "gt. SERVFAIL at every node", func() bool {
		return l.everyNode("gt.", dns.RcodeServerFailure)
	})
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, "sv."); a.rcode != dns.RcodeSuccess {
			t.Errorf("%s: sv. not served once only gt. expired: %v", n, a)
		}
	}
	for city, node := range map[string]string{"mexico-city": "node-mexico-city", "santo-domingo": "node-santo-domingo", "sao-paulo": "node-sao-paulo"} {
		if !l.routerHasNode(city) {
			t.Errorf("%s withdrew although sv. and do. are still served", node)
		}
	}
	t.Logf("gt. SERVFAIL at every node %v after the hub froze; sv. and do. still served, every node announced", firstExpired.Sub(frozen).Round(time.Millisecond))
	// Phase 2: everything expired: every node withdraws.
	allGone := l.waitUntil(t, 45*time.Second, "every node withdrawn", func() bool {
		for _, c := range l.topo.Nodes {
			if l.routerHasNode(c) {
				return false
			}
		}
		return true
	})
	states := l.nodeStates(t)
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, "sv."); a.rcode != dns.RcodeServerFailure {
			t.Errorf("%s: sv. after its expire: %v, want SERVFAIL", n, a)
		}
		t.Logf("%s without its hub: %s (%s)", n, states[n].State, states[n].Reason)
	}
	// Phase 3: the hub is back.
	thaw()
	back := time.Now()
	l.waitCatchments(t, l.expected(""), 30*time.Second)
	took := l.waitAllServe(t, 20*time.Second)
	recovered := time.Since(back)
	answers := s.Stop(context.Background())
	lost, sent, _ := countLost(answers)
	t.Logf("hub frozen: gt. SERVFAIL everywhere after %v, every node withdrawn after %v; hub back: announced and serving %v later (%v for the last zone check)",
		firstExpired.Sub(frozen).Round(time.Millisecond), allGone.Sub(frozen).Round(time.Millisecond), recovered.Round(time.Millisecond), took.Round(time.Millisecond))
	// Queries are lost only while nothing is announced.
	if lostBefore := lostBetween(answers, frozen, allGone.Add(-2*time.Second)); lostBefore > 0 {
		t.Errorf("%d queries lost before the nodes withdrew", lostBefore)
	}
	return faultRow{scenario: "hub down past SOA expire (gt. 10 s, sv./do. 30 s)",
		did: fmt.Sprintf("served until expire; gt. SERVFAIL at %v with the node announced for sv./do.; withdrawn at %v when nothing was left; re-announced when the hub came back",
			firstExpired.Sub(frozen).Round(time.Second), allGone.Sub(frozen).Round(time.Second)),
		lost: lost, sent: sent, recover: recovered}
}

// lostBetween counts queries sent in [from, to) that were lost.
func lostBetween(answers []lab.StreamAnswer, from, to time.Time) int {
	n := 0
	for _, a := range answers {
		if a.Lost() && !a.Sent.Before(from) && a.Sent.Before(to) {
			n++
		}
	}
	return n
}

// everyNode reports whether every node answers zone with rcode.
func (l *testLab) everyNode(zone string, rcode int) bool {
	for _, n := range l.nodes() {
		if a := l.nodeAnswer(n, zone); a.err != nil || a.rcode != rcode {
			return false
		}
	}
	return true
}

// waitUntil polls cond every 200 ms and returns when it first held.
func (l *testLab) waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if cond() {
			return time.Now()
		}
	}
	t.Fatalf("not within %v: %s", within, what)
	return time.Time{}
}

// waitExpireTimers waits until every node's expire timer of each zone runs
// on that zone's new, short expire. Serving the new serial is not enough:
// the check that brought it may have heard a lagging hub vouch for the old
// version's week (a node keeps the longest expire any hub gives, so that
// one hub lost never expires a zone); the next check, once every hub has
// the new version, brings the short one.
func (l *testLab) waitExpireTimers(t *testing.T, expire map[string]time.Duration) {
	t.Helper()
	l.waitUntil(t, 20*time.Second, "every node's expire timers on the new SOA expire", func() bool {
		for _, n := range l.nodes() {
			for z, e := range expire {
				st, err := l.nodeZone(n, z)
				if err != nil || time.Until(st.Refresh.ExpiresAt) > e+time.Second {
					return false
				}
			}
		}
		return true
	})
}

// faultNodeRestart: with the hub unreachable, node-santo-domingo is killed
// and restarted; it answers from its disk copy before it reaches the hub,
// and its route appears only after it answers.
func (l *testLab) faultNodeRestart(t *testing.T) faultRow {
	const node, city = "node-santo-domingo", "santo-domingo"
	want := map[string]uint32{}
	for _, z := range l.zones() {
		want[z] = l.nodeAnswer(node, z).serial
	}
	thaw := l.freezeHubs(t)
	s := l.startFaultStream(t, city, "do.")
	time.Sleep(500 * time.Millisecond)
	killed := time.Now()
	if err := lab.Fail(context.Background(), l.dir, node, lab.FailKill, l.cloud); err != nil {
		t.Fatal(err)
	}
	l.waitUntil(t, 10*time.Second, "route of the killed node gone", func() bool { return !l.routerHasNode(city) })
	time.Sleep(time.Second)
	restarted := time.Now()
	if err := lab.Heal(context.Background(), l.dir, node, l.cloud); err != nil {
		t.Fatal(err)
	}
	var answered, routed time.Time
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && (answered.IsZero() || routed.IsZero()); time.Sleep(20 * time.Millisecond) {
		if answered.IsZero() {
			ok := true
			for z, serial := range want {
				if a := l.nodeAnswer(node, z); a.rcode != dns.RcodeSuccess || a.serial != serial {
					ok = false
				}
			}
			if ok {
				answered = time.Now()
			}
		}
		if routed.IsZero() && l.routerHasNode(city) {
			routed = time.Now()
		}
	}
	if answered.IsZero() || routed.IsZero() {
		t.Fatalf("restarted %s without its hub: answers from disk at %v, announced at %v", node, answered, routed)
	}
	if routed.Before(answered) {
		t.Errorf("%s announced %v before it answered", node, answered.Sub(routed))
	}
	l.waitCatchments(t, l.expected(""), 10*time.Second)
	recovered := time.Since(killed)
	thaw()
	l.waitAllServe(t, 20*time.Second)
	lost, sent, gap := countLost(s.Stop(context.Background()))
	t.Logf("%s restarted without its hub: answers every zone from disk %v after start, announced %v after start; stream lost %d (longest gap %v)",
		node, answered.Sub(restarted).Round(time.Millisecond), routed.Sub(restarted).Round(time.Millisecond), lost, gap)
	return faultRow{scenario: "node killed and restarted, hub unreachable",
		did: fmt.Sprintf("withdrawn by the router at once; after restart answered from disk in %v, announced %v after start (only once healthy)",
			answered.Sub(restarted).Round(time.Millisecond), routed.Sub(restarted).Round(time.Millisecond)),
		lost: lost, sent: sent, recover: recovered}
}

// faultUplinkFlap: node-mexico-city's uplink goes dead (every packet
// dropped) for 4 s and back for 4 s, three times; its city's client moves
// to the next node and back each time.
func (l *testLab) faultUplinkFlap(t *testing.T) faultRow {
	const node, city = "node-mexico-city", "mexico-city"
	s := l.startFaultStream(t, city, "gt.")
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	for range 3 {
		if err := lab.Fail(context.Background(), l.dir, node, lab.FailSilent, l.cloud); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second)
		if err := lab.Heal(context.Background(), l.dir, node, l.cloud); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second)
	}
	healed := time.Now()
	back := l.waitCatchments(t, l.expected(""), 20*time.Second)
	took := l.waitAllServe(t, 20*time.Second)
	answers := s.Stop(context.Background())
	lost, sent, gap := countLost(answers)
	byNode := map[string]int{}
	for _, a := range answers {
		if !a.Lost() {
			byNode[a.Node]++
		}
	}
	t.Logf("uplink of %s flapped 3 times in %v: answers by node %v, lost %d of %d (longest gap %v); stable and serving %v after the last flap",
		node, healed.Sub(start).Round(time.Millisecond), byNode, lost, sent, gap, took.Round(time.Millisecond))
	if next := l.expected(city)[city]; next == "" || byNode[next] == 0 {
		t.Errorf("the next node %q never answered during the flaps", next)
	}
	return faultRow{scenario: "node uplink flapping (3 × 4 s dead, 4 s up)",
		did:  fmt.Sprintf("router withdrew it on each BFD or hold-timer expiry (longest gap %v), the next node answered, re-announced after each return", gap.Round(time.Millisecond)),
		lost: lost, sent: sent, recover: back}
}

// faultRouterDown: Mexico City's router dies silently. San José's client,
// whose nearest node is behind it, moves to the next node once its router's
// hold timer expires; node-mexico-city is cut off (its hub and primary
// paths too) and comes back with the router.
func (l *testLab) faultRouterDown(t *testing.T) faultRow {
	const client, dead = "san-jose", "mexico-city"
	next := l.expected(dead)[client]
	if l.expected("")[client] != "node-"+dead || next == "" {
		t.Fatalf("topology changed: %s should be served by node-%s, then by a unique next node", client, dead)
	}
	s := l.startFaultStream(t, client, "sv.")
	time.Sleep(500 * time.Millisecond)
	heal := l.silenceRouter(t, dead)
	failed := time.Now()
	time.Sleep(8 * time.Second)
	mid := s.Stop(context.Background())
	sw := lab.Summarise(mid, "node-"+dead, failed)
	if sw.NextNode != next {
		t.Errorf("%s answered by %q after the router died, want %s", client, sw.NextNode, next)
	}
	s = l.startFaultStream(t, client, "sv.")
	heal()
	back := time.Now()
	l.waitCatchments(t, l.expected(""), 30*time.Second)
	recovered := time.Since(back)
	if err := lab.Bump(context.Background(), l.dir, "gt.", l.cloud); err != nil {
		t.Fatal(err)
	}
	l.waitAllServe(t, 20*time.Second)
	lost2, sent2, _ := countLost(s.Stop(context.Background()))
	t.Logf("router of %s dead: %s moved to %s %v later, lost %d of %d; healed: catchments back %v later, lost %d of %d after",
		dead, client, sw.NextNode, sw.ToNext.Round(time.Millisecond), sw.Lost, sw.Sent, recovered.Round(time.Millisecond), lost2, sent2)
	return faultRow{scenario: "router between a client and its node dies (Mexico City)",
		did: fmt.Sprintf("San José's router dropped the path on hold-timer expiry; %s answered after %v; back to node-%s when the router returned",
			next, sw.ToNext.Round(time.Millisecond), dead),
		lost: sw.Lost + lost2, sent: sw.Sent + sent2, recover: sw.ToNext}
}

// faultNoTransferFromNodes: no node gives AXFR or IXFR to anyone, on its
// service or unicast addresses, whoever asks (a client, or the hub's
// namespace), signed or not.
func (l *testLab) faultNoTransferFromNodes(t *testing.T) faultRow {
	secret, err := readKey(filepath.Join(l.dir, "keys", strings.TrimSuffix(nodeKeyName("node-sao-paulo"), ".")+".key"))
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"santiago", "hub"} {
		for _, addr := range []string{l.topo.Service[0].String(), l.unicastOf("node-sao-paulo").String()} {
			for _, qtype := range []uint16{dns.TypeAXFR, dns.TypeIXFR} {
				for _, signed := range []bool{false, true} {
					q := new(dns.Msg)
					q.SetQuestion("sv.", qtype)
					if qtype == dns.TypeIXFR {
						q.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "sv.", Rrtype: dns.TypeSOA, Class: dns.ClassINET}, Serial: 1}}
					}
					c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
					if signed {
						name := nodeKeyName("node-sao-paulo")
						q.SetTsig(name, dns.HmacSHA256, 300, time.Now().Unix())
						c.TsigSecret = map[string]string{name: secret}
					}
					var r *dns.Msg
					err := lab.InNamespace(l.ns(from), func() error {
						var err error
						r, _, err = c.Exchange(q, net.JoinHostPort(addr, "53"))
						return err
					})
					what := fmt.Sprintf("%s from %s to %s (signed %v)", dns.TypeToString[qtype], from, addr, signed)
					switch {
					case err != nil && r == nil:
						t.Logf("%s: %v (refused by closing)", what, err)
					case r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0:
						t.Errorf("%s: a node transferred the zone (%d records)", what, len(r.Answer))
					default:
						t.Logf("%s: %s", what, dns.RcodeToString[r.Rcode])
					}
				}
			}
		}
	}
	return faultRow{}
}

// faultSecretsNotInLogs: after everything above (onboarding with fresh
// keys, failures, restarts), no TSIG secret and no control token appears
// in any log of the lab.
func (l *testLab) faultSecretsNotInLogs(t *testing.T) faultRow {
	var secrets []string
	keys, _ := filepath.Glob(filepath.Join(l.dir, "keys", "*.key"))
	tokens, _ := filepath.Glob(filepath.Join(l.dir, "*", "storage", "control.token"))
	adminKeys, _ := filepath.Glob(filepath.Join(l.dir, "*", "storage", "*", "keys", "*.key"))
	for _, f := range append(append(keys, tokens...), adminKeys...) {
		if b, err := os.ReadFile(f); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
			secrets = append(secrets, strings.TrimSpace(string(b)))
		}
	}
	if len(secrets) < len(l.topo.Nodes)+len(l.topo.Primaries) {
		t.Fatalf("found only %d secrets to look for (keys %v, tokens %v, administered keys %v)", len(secrets), keys, tokens, adminKeys)
	}
	logs, _ := filepath.Glob(filepath.Join(l.dir, "*", "*.log"))
	if len(logs) == 0 {
		t.Fatal("no logs to search")
	}
	size := 0
	for _, f := range logs {
		data, _ := os.ReadFile(f)
		size += len(data)
		for _, s := range secrets {
			if strings.Contains(string(data), s) {
				t.Errorf("%s contains a secret (%s...)", f, s[:6])
			}
		}
	}
	t.Logf("%d secrets (TSIG keys, control tokens) searched for in %d logs (%d KiB): none found", len(secrets), len(logs), size/1024)
	return faultRow{}
}
