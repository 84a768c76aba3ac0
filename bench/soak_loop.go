package main

import (
	"context"
	"errors"
	"fmt"
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
