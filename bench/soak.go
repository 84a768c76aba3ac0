package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The soak benchmark (--soak DURATION) runs the whole distribution chain on
// loopback: a real Knot DNS primary of the generated zone, `anycloud hub`
// pulling from it with TSIG, and `anycloud node` following the hub's
// catalog. It first measures the node's maximum query rate with dnsperf
// (--duration, the primary quiet), then sends --soak-load of that rate for
// DURATION while the primary changes the zone every --soak-change (Knot
// increments the serial and sends NOTIFY). It checks:
//   - no error: dnsperf loses no query and sees no rcode other than
//     NOERROR/NXDOMAIN; the node and hub log no ERROR;
//   - no lost update: every serial Knot committed is seen at the node (its
//     SOA is polled every 50 ms), and the last one is served at the end
//     with the data of the last change;
//   - flat memory: the RSS of the node (and hub) is sampled every 10 s.

type soakFigures struct {
	MaxQPS        float64
	Rate          int
	Load          perfResult
	Changes       int
	Seen          int
	Missing       []uint32 // serials the node never served
	MissingData   []int    // changes whose record the node does not serve at the end: lost updates
	Serials       int      // changes whose serial was read back from Knot
	HubAccepted   int      // committed serials the hub accepted as versions
	NodeApplied   int      // committed serials the node applied (its log) or was seen serving
	FinalOK       bool
	Propagation   []time.Duration // Knot commit to first seen at the node
	RSS           map[string][]int64
	LogErrors     map[string]int
	ChangeErrors  int
	Duration      time.Duration
	Delegations   int
	ChangeEvery   time.Duration
	SharedMachine string
}

// soakChain is the running chain.
type soakChain struct {
	dir                         string
	knot, hub, node             *serverProc
	knotPort, hubPort, nodePort int
	origin                      string
}

func runSoak(ctx context.Context, log *slog.Logger, o *options) error {
	if _, err := exec.LookPath("knotd"); err != nil {
		return fmt.Errorf("--soak needs knotd and knotc: %w", err)
	}
	if _, err := exec.LookPath("dnsperf"); err != nil {
		return fmt.Errorf("--soak needs dnsperf: %w", err)
	}
	zs, err := prepareZones(ctx, log, o.workDir, o.shape(), o.queryLines)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "anycloud-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.anycloudBin == "" {
		if o.anycloudBin, err = buildAnycloud(ctx, dir); err != nil {
			return err
		}
	}
	ch, err := startChain(ctx, log, o, dir, zs)
	if ch != nil {
		defer ch.stop()
	}
	if err != nil {
		return err
	}
	f := &soakFigures{Duration: o.soak, Delegations: o.delegations, ChangeEvery: o.soakChange,
		RSS: map[string][]int64{}, LogErrors: map[string]int{}, SharedMachine: loadAverage()}

	log.Info("soak: measuring the node's maximum rate", "duration", o.duration)
	max, err := runDnsperf(ctx, o.load(ch.nodePort, zs.Queries, false), dir)
	if err != nil {
		return err
	}
	f.MaxQPS = max.QPS
	f.Rate = int(max.QPS * o.soakLoad)
	log.Info("soak: maximum measured", "qps", int(max.QPS), "soak_rate", f.Rate, "lost", max.Lost)

	if err := ch.soak(ctx, log, o, zs, f); err != nil {
		return err
	}
	for name, p := range map[string]*serverProc{"node": ch.node, "hub": ch.hub} {
		f.LogErrors[name] = countLogErrors(p.logPath)
		if o.soakReport != "" {
			if b, err := os.ReadFile(p.logPath); err == nil {
				os.WriteFile(ch.keepPath(o, name+".log"), b, 0o644)
			}
		}
	}
	report := f.report()
	fmt.Print(report)
	if o.soakReport != "" {
		if err := os.WriteFile(o.soakReport, []byte(report), 0o644); err != nil {
			return err
		}
	}
	if problems := f.problems(); len(problems) > 0 {
		return fmt.Errorf("soak failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

func startChain(ctx context.Context, log *slog.Logger, o *options, dir string, zs *zoneSet) (*soakChain, error) {
	ch := &soakChain{dir: dir, origin: o.origin}
	for _, p := range []*int{&ch.knotPort, &ch.hubPort, &ch.nodePort} {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		*p = port
	}
	ctlPorts := make([]int, 2)
	for i := range ctlPorts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		ctlPorts[i] = port
	}
	clientKey, err := soakKey(dir, "client.key")
	if err != nil {
		return nil, err
	}
	nodeKey, err := soakKey(dir, "node.key")
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"knot", "hub", "node"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	secret, _ := os.ReadFile(clientKey)
	knotDir := filepath.Join(dir, "knot")
	zoneFile := filepath.Join(knotDir, "zone.db")
	if err := copyWithoutDNSKEY(zs.Unsigned, zoneFile); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(soakKnotConf, knotDir, ch.knotPort, strings.TrimSpace(string(secret)), ch.hubPort, o.origin, zoneFile)
	if err := os.WriteFile(filepath.Join(knotDir, "knot.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	hubConf := fmt.Sprintf(soakHubConf, ch.hubPort, ctlPorts[0], filepath.Join(dir, "hub", "storage"), o.origin, ch.knotPort, clientKey, ch.nodePort, nodeKey)
	if err := os.WriteFile(filepath.Join(dir, "hub", "hub.yaml"), []byte(hubConf), 0o644); err != nil {
		return nil, err
	}
	nodeConf := fmt.Sprintf(soakNodeConf, ch.nodePort, filepath.Join(dir, "node", "storage"), ch.hubPort, nodeKey, ctlPorts[1])
	if err := os.WriteFile(filepath.Join(dir, "node", "node.yaml"), []byte(nodeConf), 0o644); err != nil {
		return nil, err
	}
	// The node has the server core to itself, as in the comparison with
	// NSD and Knot; the primary and the hub share the client's.
	if ch.knot, err = startServer([]string{"knotd", "-c", filepath.Join(knotDir, "knot.conf")}, o.clientCPU, knotDir); err != nil {
		return ch, err
	}
	if _, err := waitReady(ctx, ch.knot, o.origin, ch.knotPort, o.startTimeout); err != nil {
		return ch, fmt.Errorf("knot: %w", err)
	}
	if ch.hub, err = startServer([]string{o.anycloudBin, "hub", "--config", filepath.Join(dir, "hub", "hub.yaml")}, o.clientCPU, filepath.Join(dir, "hub")); err != nil {
		return ch, err
	}
	if ch.node, err = startServer([]string{o.anycloudBin, "node", "--config", filepath.Join(dir, "node", "node.yaml")}, o.serverCPU, filepath.Join(dir, "node")); err != nil {
		return ch, err
	}
	took, err := waitReady(ctx, ch.node, o.origin, ch.nodePort, min(o.startTimeout, 2*time.Minute))
	if err != nil {
		return ch, fmt.Errorf("node: %w (hub log:\n%s)", err, ch.hub.logTail())
	}
	log.Info("soak: chain up, the node serves the zone", "after", took.Round(time.Millisecond))
	return ch, nil
}

// keepPath is where a file of the run is kept for diagnosis: beside the
// --soak-report file, else in the run's temporary directory.
func (ch *soakChain) keepPath(o *options, name string) string {
	if o.soakReport != "" {
		return strings.TrimSuffix(o.soakReport, filepath.Ext(o.soakReport)) + "-" + name
	}
	return filepath.Join(ch.dir, name)
}

// soakDnsperf runs the soak's dnsperf with one statistics line a second
// (-S 1), so that a dip can be placed in time, and keeps its output at out.
func soakDnsperf(ctx context.Context, l perfLoad, out string) (perfResult, error) {
	f, err := os.Create(out)
	if err != nil {
		return perfResult{}, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, l.Duration+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", append(l.args(), "-S", "1")...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return perfResult{}, fmt.Errorf("dnsperf: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return perfResult{}, err
	}
	return parseDnsperf(f)
}

func (ch *soakChain) stop() {
	for _, p := range []*serverProc{ch.node, ch.hub, ch.knot} {
		if p != nil {
			_ = p.stop(5 * time.Second)
		}
	}
}

// soak runs the load, the changes, the serial watcher and the RSS sampler
// together for o.soak.
func (ch *soakChain) soak(ctx context.Context, log *slog.Logger, o *options, zs *zoneSet, f *soakFigures) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu        sync.Mutex
		committed = map[uint32]time.Time{}
		seen      = map[uint32]time.Time{}
		lastN     int
		changesOK []int
	)
	var wg sync.WaitGroup
	loadDone := make(chan struct{})
	var loadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(loadDone)
		l := o.load(ch.nodePort, zs.Queries, false)
		l.Duration, l.Rate = o.soak, f.Rate
		f.Load, loadErr = soakDnsperf(ctx, l, ch.keepPath(o, "dnsperf.out"))
	}()
	// Serial watcher: the node's SOA every 50 ms.
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
		addr := fmt.Sprintf("127.0.0.1:%d", ch.nodePort)
		q := new(dns.Msg)
		q.SetQuestion(ch.origin, dns.TypeSOA)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if r, _, err := c.Exchange(q, addr); err == nil {
				if s := serialOf(r); s != 0 {
					mu.Lock()
					if _, ok := seen[s]; !ok {
						seen[s] = time.Now()
					}
					mu.Unlock()
				}
			}
		}
	}()
	// RSS sampler.
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			for name, p := range map[string]*serverProc{"node": ch.node, "hub": ch.hub} {
				if kb, err := rssKiB(p.pid()); err == nil {
					mu.Lock()
					f.RSS[name] = append(f.RSS[name], kb)
					mu.Unlock()
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-loadDone:
				return
			case <-t.C:
			}
		}
	}()
	// Changes at the primary, one every o.soakChange while the load runs.
	tick := time.NewTicker(o.soakChange)
	defer tick.Stop()
	start := time.Now()
changes:
	for n := 1; ; n++ {
		select {
		case <-loadDone:
			break changes
		case <-ctx.Done():
			break changes
		case <-tick.C:
		}
		stamp := fmt.Sprintf("soak change %d", n)
		serial, err := ch.change(ctx, n, stamp)
		mu.Lock()
		if err != nil {
			f.ChangeErrors++
			log.Warn("soak: change at the primary failed", "err", err)
		} else {
			if serial != 0 {
				committed[serial] = time.Now()
			}
			lastN = n
			changesOK = append(changesOK, n)
		}
		mu.Unlock()
		if n%60 == 0 {
			mu.Lock()
			log.Info("soak: progress", "elapsed", time.Since(start).Round(time.Second), "changes", len(committed), "seen_at_node", len(seen))
			mu.Unlock()
		}
	}
	// Let the last change arrive, then stop the watcher.
	time.Sleep(5 * time.Second)
	final := ch.finalCheck(lastN)
	f.MissingData = ch.missingChanges(changesOK)
	cancel()
	wg.Wait()
	if loadErr != nil {
		return loadErr
	}
	mu.Lock()
	defer mu.Unlock()
	f.Changes, f.FinalOK = len(changesOK), final
	f.Serials = len(committed)
	hubSerials := loggedSerials(ch.hub.logPath, "zone version accepted")
	nodeSerials := loggedSerials(ch.node.logPath, "zone version applied")
	for s := range committed {
		if hubSerials[s] {
			f.HubAccepted++
		}
		if _, ok := seen[s]; ok || nodeSerials[s] {
			f.NodeApplied++
		}
	}
	for s, at := range committed {
		if got, ok := seen[s]; ok {
			f.Seen++
			f.Propagation = append(f.Propagation, max(got.Sub(at), 0))
		} else {
			f.Missing = append(f.Missing, s)
		}
	}
	sort.Slice(f.Missing, func(i, j int) bool { return f.Missing[i] < f.Missing[j] })
	return nil
}

// changeOwner is the name change n adds: every change adds a record, so
// the end state shows whether any change was lost even where the node went
// from one serial to a later one in one transfer.
func changeOwner(n int, origin string) string { return fmt.Sprintf("c%d.soak.%s", n, origin) }

// change makes change n at Knot in a transaction and returns the serial
// Knot gave it.
func (ch *soakChain) change(ctx context.Context, n int, stamp string) (uint32, error) {
	sock := filepath.Join(ch.dir, "knot", "knot.sock")
	for _, args := range [][]string{
		{"zone-begin", ch.origin},
		{"zone-set", ch.origin, changeOwner(n, ch.origin), "60", "TXT", strconv.Quote(stamp)},
		{"zone-commit", ch.origin},
	} {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out, err := exec.CommandContext(cctx, "knotc", append([]string{"-s", sock}, args...)...).CombinedOutput()
		cancel()
		if err != nil {
			exec.Command("knotc", "-s", sock, "zone-abort", ch.origin).Run()
			return 0, fmt.Errorf("knotc %s: %v: %s", args[0], err, strings.TrimSpace(string(out)))
		}
	}
	// The change is committed; its serial is read back, patiently on a
	// loaded machine (0: not known, the change still counts).
	for range 5 {
		if r := ask(ch.knotPort, ch.origin, dns.TypeSOA); r != nil && serialOf(r) != 0 {
			return serialOf(r), nil
		}
	}
	return 0, nil
}

// finalCheck: the node serves Knot's serial and the last change's record.
func (ch *soakChain) finalCheck(last int) bool {
	k, n := ask(ch.knotPort, ch.origin, dns.TypeSOA), ask(ch.nodePort, ch.origin, dns.TypeSOA)
	txt := ask(ch.nodePort, changeOwner(last, ch.origin), dns.TypeTXT)
	if k == nil || n == nil || txt == nil || serialOf(k) != serialOf(n) || len(txt.Answer) != 1 {
		return false
	}
	t, ok := txt.Answer[0].(*dns.TXT)
	return ok && strings.Join(t.Txt, "") == fmt.Sprintf("soak change %d", last)
}

// missingChanges asks the node for every change's record and lists those
// it does not serve: lost updates.
func (ch *soakChain) missingChanges(changes []int) []int {
	var out []int
	for _, n := range changes {
		r := ask(ch.nodePort, changeOwner(n, ch.origin), dns.TypeTXT)
		if r == nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			out = append(out, n)
		}
	}
	return out
}

func ask(port int, name string, qtype uint16) *dns.Msg {
	c := &dns.Client{Net: "udp", Timeout: time.Second}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	r, _, err := c.Exchange(q, fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil
	}
	return r
}

// loggedSerials collects the serials of lines with msg in a server's log.
func loggedSerials(path, msg string) map[uint32]bool {
	out := map[uint32]bool{}
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		if _, rest, ok := strings.Cut(line, " serial="); ok {
			field, _, _ := strings.Cut(rest, " ")
			if v, err := strconv.ParseUint(field, 10, 32); err == nil {
				out[uint32(v)] = true
			}
		}
	}
	return out
}

func serialOf(r *dns.Msg) uint32 {
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
	}
	return 0
}

func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

// countLogErrors counts slog ERROR lines in a server's output.
func countLogErrors(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	return strings.Count(string(b), "level=ERROR")
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:min(3, len(strings.Fields(string(b))))], " ")
}

func soakKey(dir, name string) (string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600)
}

// copyWithoutDNSKEY copies the unsigned zone without its DNSKEY records:
// the hub's gate rightly refuses a zone with DNSKEY and no signatures.
func copyWithoutDNSKEY(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(line, "DNSKEY") {
			out.WriteString(line)
		}
	}
	return os.WriteFile(to, []byte(out.String()), 0o644)
}

// problems lists what makes the soak fail.
func (f *soakFigures) problems() []string {
	var out []string
	if f.Load.Lost > 0 {
		out = append(out, fmt.Sprintf("%d queries lost", f.Load.Lost))
	}
	if n := f.Load.unexpectedRcodes(); n > 0 {
		out = append(out, fmt.Sprintf("%d answers with an unexpected rcode %v", n, f.Load.Rcodes))
	}
	if len(f.MissingData) > 0 {
		out = append(out, fmt.Sprintf("%d changes lost: their records are not served at the end %v", len(f.MissingData), f.MissingData))
	}
	if !f.FinalOK {
		out = append(out, "the node does not serve the primary's last serial and data")
	}
	if f.ChangeErrors > 0 {
		out = append(out, fmt.Sprintf("%d changes failed at the primary", f.ChangeErrors))
	}
	for name, n := range f.LogErrors {
		if n != 0 {
			out = append(out, fmt.Sprintf("%s logged %d errors", name, n))
		}
	}
	if g := growth(f.RSS["node"]); g > 0.25 {
		out = append(out, fmt.Sprintf("node memory grew %.0f%% from the second minute to the end", 100*g))
	}
	return out
}

// growth compares the mean of the last 6 RSS samples (the last minute) with
// that of samples 6..11 (the second minute, after warm-up).
func growth(s []int64) float64 {
	if len(s) < 18 {
		return 0
	}
	early, late := mean(s[6:12]), mean(s[len(s)-6:])
	return (late - early) / early
}

func mean(s []int64) float64 {
	var sum int64
	for _, v := range s {
		sum += v
	}
	return float64(sum) / float64(len(s))
}

func durationPercentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func (f *soakFigures) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Soak: %v at %.0f%% of the maximum, one change every %v\n\n", f.Duration, 100*float64(f.Rate)/f.MaxQPS, f.ChangeEvery)
	fmt.Fprintf(&b, "Chain: Knot DNS primary -> anycloud hub -> anycloud node, loopback, zone of %d delegations.\n", f.Delegations)
	fmt.Fprintf(&b, "Load average at the start: %s (shared machine, 2 cores).\n\n", f.SharedMachine)
	fmt.Fprintf(&b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| maximum rate (dnsperf, primary quiet) | %.0f q/s |\n", f.MaxQPS)
	fmt.Fprintf(&b, "| soak rate | %d q/s |\n", f.Rate)
	fmt.Fprintf(&b, "| queries sent / completed / lost | %d / %d / %d |\n", f.Load.Sent, f.Load.Completed, f.Load.Lost)
	fmt.Fprintf(&b, "| achieved rate | %.0f q/s |\n", f.Load.QPS)
	fmt.Fprintf(&b, "| rcodes | %v |\n", f.Load.Rcodes)
	fmt.Fprintf(&b, "| changes committed at Knot | %d |\n", f.Changes)
	fmt.Fprintf(&b, "| changes whose record the node does not serve at the end (lost updates) | %d %v |\n", len(f.MissingData), f.MissingData)
	fmt.Fprintf(&b, "| serials read back from Knot / accepted by the hub / applied by the node / seen by the 50 ms poll | %d / %d / %d / %d |\n", f.Serials, f.HubAccepted, f.NodeApplied, f.Seen)
	fmt.Fprintf(&b, "| serials the node never served (a later transfer carried them) | %v |\n", f.Missing)
	fmt.Fprintf(&b, "| change to node, p50 / p99 / max | %v / %v / %v |\n",
		durationPercentile(f.Propagation, 0.5).Round(time.Millisecond), durationPercentile(f.Propagation, 0.99).Round(time.Millisecond),
		durationPercentile(f.Propagation, 1).Round(time.Millisecond))
	fmt.Fprintf(&b, "| node serves the last serial and data at the end | %v |\n", f.FinalOK)
	fmt.Fprintf(&b, "| ERROR lines logged (node, hub) | %d, %d |\n", f.LogErrors["node"], f.LogErrors["hub"])
	for _, name := range []string{"node", "hub"} {
		s := f.RSS[name]
		if len(s) == 0 {
			continue
		}
		lo, hi := s[0], s[0]
		for _, v := range s {
			lo, hi = min(lo, v), max(hi, v)
		}
		fmt.Fprintf(&b, "| %s RSS first / min / max / last (MiB), growth 2nd min to last | %.0f / %.0f / %.0f / %.0f, %+.1f%% |\n",
			name, mib(s[0]), mib(lo), mib(hi), mib(s[len(s)-1]), 100*growth(s))
	}
	fmt.Fprintf(&b, "\nRSS every 10 s (node, MiB): %s\n", rssSeries(f.RSS["node"]))
	fmt.Fprintf(&b, "RSS every 10 s (hub, MiB): %s\n", rssSeries(f.RSS["hub"]))
	return b.String()
}

func mib(kb int64) float64 { return float64(kb) / 1024 }

func rssSeries(s []int64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprintf("%.0f", mib(v))
	}
	return strings.Join(parts, " ")
}

// soakKnotConf: run dir, port, client secret, hub port, origin, zone file.
const soakKnotConf = `server:
    rundir: "%[1]s"
    pidfile: "%[1]s/knot.pid"
    listen: 127.0.0.1@%[2]d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "%[1]s/knot.sock"
database:
    storage: "%[1]s"
log:
  - target: stderr
    any: warning
key:
  - id: soak-client.
    algorithm: hmac-sha256
    secret: %[3]s
remote:
  - id: hub
    address: 127.0.0.1@%[4]d
    key: soak-client.
acl:
  - id: hub
    address: 127.0.0.1
    key: soak-client.
    action: transfer
template:
  - id: default
    storage: "%[1]s"
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    journal-max-usage: 64M
    semantic-checks: off
    serial-policy: increment
zone:
  - domain: %[5]s
    file: "%[6]s"
    acl: hub
    notify: hub
`

// soakHubConf: hub port, control port, storage, origin, knot port, client
// key, node port, node key.
const soakHubConf = `listen: ["127.0.0.1:%[1]d"]
control: 127.0.0.1:%[2]d
storage: %[3]s
catalog: catalog.anycloud.
timeouts: {transfer: 10s, min-refresh: 2s}
clients:
  - name: soak
    zones: [%[4]s]
    primaries: ["127.0.0.1:%[5]d"]
    tsig: {name: soak-client., algorithm: hmac-sha256, secret-file: %[6]s}
nodes:
  - name: soak-node
    address: "127.0.0.1:%[7]d"
    tsig: {name: soak-node., algorithm: hmac-sha256, secret-file: %[8]s}
`

// soakNodeConf: node port, storage, hub port, node key, control port. RRL
// is off: dnsperf is one source.
const soakNodeConf = `listen: ["127.0.0.1:%[1]d"]
nsid: soak-node
storage: %[2]s
catalog: catalog.anycloud.
hub:
  addresses: ["127.0.0.1:%[3]d"]
  tsig: {name: soak-node., algorithm: hmac-sha256, secret-file: %[4]s}
timeouts: {transfer: 10s, min-refresh: 1s}
control: 127.0.0.1:%[5]d
rrl: {enabled: false}
`
