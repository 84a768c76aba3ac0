package onboard

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// Target is a name server address to check: a node's unicast address or
// an anycast service address.
type Target struct {
	Name string // "node-santiago", "anycast"
	Addr string // host:port
}

// ResolveTrial says what to compare with what.
type ResolveTrial struct {
	Zone    string
	Primary string // host:port: the reference
	Targets []Target
	// Version is the hub's copy, to pick sample names from; nil samples
	// only the apex.
	Version *zonever.Version
	Samples int // sample names besides the apex; default 4
	Timeout time.Duration
}

// question is one query asked of the primary and every target.
type question struct {
	name         string
	qtype        uint16
	isDelegation bool
}

// RunResolve queries every target for the zone's SOA, NS, DNSKEY and
// sample names over UDP and TCP and compares each answer with the
// primary's, and checks what IANA and Zonemaster check before a name
// server change: authoritative answers, same serial and NS set, same glue,
// no open recursion, TCP, no truncated referral.
func RunResolve(ctx context.Context, t ResolveTrial) *Report {
	start := time.Now()
	r := newReport(t.Zone, StepResolve)
	if t.Timeout == 0 {
		t.Timeout = 2 * time.Second
	}
	questions := t.questions()
	ref, err := t.reference(ctx, questions)
	if err != nil {
		r.add("primary "+t.Primary, "reference", false, "cannot ask the primary for reference answers: %v", err)
		return r.finish(start)
	}
	if len(t.Targets) == 0 {
		r.add("cloud", "targets", false, "no node and no anycast address to check")
	}
	// Targets are asked in parallel (a lab or a real cloud has tens of
	// milliseconds between the hub and each node); the table keeps their
	// order.
	parts := make([]Report, len(t.Targets))
	var wg sync.WaitGroup
	for i, tg := range t.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.checkTarget(ctx, &parts[i], tg, questions, ref)
		}()
	}
	wg.Wait()
	for _, p := range parts {
		r.Checks = append(r.Checks, p.Checks...)
	}
	if !r.finish(start).Pass {
		r.Todo = "nodes must answer as the primary does; see the failing checks (a node still syncing passes on the next run)"
	}
	return r
}

func (t ResolveTrial) questions() []question {
	qs := []question{{name: t.Zone, qtype: dns.TypeSOA}, {name: t.Zone, qtype: dns.TypeNS}, {name: t.Zone, qtype: dns.TypeDNSKEY}}
	return append(qs, sampleNames(t.Version, t.samples())...)
}

func (t ResolveTrial) samples() int {
	if t.Samples <= 0 {
		return 4
	}
	return t.Samples
}

// reference asks the primary every question over TCP (the most reliable
// transport), keyed by question.
func (t ResolveTrial) reference(ctx context.Context, qs []question) (map[question]*dns.Msg, error) {
	answers := make([]*dns.Msg, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = query(ctx, "tcp", t.Primary, q.name, q.qtype, false, false, t.Timeout)
		}()
	}
	wg.Wait()
	ref := map[question]*dns.Msg{}
	for i, q := range qs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		ref[q] = answers[i]
	}
	return ref, nil
}

// checkTarget runs UDP, TCP and the recursion and referral checks of one
// target side by side (each is bound by the round trip to the node), and
// adds them to r in that order.
func (t ResolveTrial) checkTarget(ctx context.Context, r *Report, tg Target, qs []question, ref map[question]*dns.Msg) {
	label := tg.Name + " " + tg.Addr
	var parts [3]Report
	var wg sync.WaitGroup
	for i, network := range []string{"udp", "tcp"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[i]
			t.checkSOA(ctx, p, label, network, tg.Addr, ref[qs[0]])
			var mismatches []string
			for _, q := range qs[1:] {
				if d := t.compare(ctx, network, tg.Addr, q, ref[q]); d != "" {
					mismatches = append(mismatches, d)
				}
			}
			p.add(label, "answers-"+network, len(mismatches) == 0, "%s", orOK(mismatches, fmt.Sprintf("NS, DNSKEY and %d sample names as the primary", len(qs)-3)))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t.checkRecursion(ctx, &parts[2], label, tg.Addr)
		t.checkReferralSize(ctx, &parts[2], label, tg.Addr, qs)
	}()
	wg.Wait()
	for _, p := range parts {
		r.Checks = append(r.Checks, p.Checks...)
	}
}

func orOK(problems []string, ok string) string {
	if len(problems) == 0 {
		return ok
	}
	return strings.Join(problems, "; ")
}

// checkSOA wants an authoritative SOA with the primary's serial.
func (t ResolveTrial) checkSOA(ctx context.Context, r *Report, label, network, addr string, ref *dns.Msg) {
	name := "soa-" + network
	m, err := query(ctx, network, addr, t.Zone, dns.TypeSOA, false, false, t.Timeout)
	if err != nil {
		r.add(label, name, false, "no answer: %v", err)
		return
	}
	want, _ := soaSerial(ref)
	got, ok := soaSerial(m)
	switch {
	case m.Rcode != dns.RcodeSuccess:
		r.add(label, name, false, "answered %s instead of the SOA", dns.RcodeToString[m.Rcode])
	case !m.Authoritative:
		r.add(label, name, false, "answer is not authoritative (AA bit clear): the zone is not loaded there")
	case !ok:
		r.add(label, name, false, "answer holds no SOA")
	case got != want:
		r.add(label, name, false, "serial %d, the primary has %d", got, want)
	default:
		r.add(label, name, true, "authoritative, serial %d", got)
	}
}

// compare returns "" when the target answers q as the primary did.
func (t ResolveTrial) compare(ctx context.Context, network, addr string, q question, ref *dns.Msg) string {
	m, err := query(ctx, network, addr, q.name, q.qtype, false, false, t.Timeout)
	if err != nil {
		return fmt.Sprintf("%s %s: no answer: %v", q.name, dns.TypeToString[q.qtype], err)
	}
	if d := firstDifference(answerShape(ref), answerShape(m)); d != "" {
		return fmt.Sprintf("%s %s: %s", q.name, dns.TypeToString[q.qtype], d)
	}
	return ""
}

// checkRecursion asks for a name outside the zone with RD set: an
// authoritative-only server refuses or refers, never answers it.
func (t ResolveTrial) checkRecursion(ctx context.Context, r *Report, label, addr string) {
	m, err := query(ctx, "udp", addr, outOfZone(t.Zone), dns.TypeA, false, true, t.Timeout)
	switch {
	case err != nil:
		r.add(label, "no-recursion", false, "no answer to an out-of-zone query: %v", err)
	case m.RecursionAvailable || len(m.Answer) > 0:
		r.add(label, "no-recursion", false, "open recursion: RA=%v and %d answer records for a name outside the zone", m.RecursionAvailable, len(m.Answer))
	default:
		r.add(label, "no-recursion", true, "out-of-zone query answered %s without recursion", dns.RcodeToString[m.Rcode])
	}
}

// outOfZone is a name outside zone for the recursion check.
func outOfZone(zone string) string {
	for _, n := range []string{"anycloud-recursion-check.example.", "anycloud-recursion-check.test."} {
		if !dns.IsSubDomain(zone, n) {
			return n
		}
	}
	return "anycloud-recursion-check.invalid."
}

// checkReferralSize asks for a delegated name over UDP without EDNS: the
// referral with its glue must fit in 512 bytes (Zonemaster's check).
func (t ResolveTrial) checkReferralSize(ctx context.Context, r *Report, label, addr string, qs []question) {
	for _, q := range qs {
		if !q.referral() {
			continue
		}
		m, err := query(ctx, "udp", addr, q.name, q.qtype, true, false, t.Timeout)
		switch {
		case err != nil:
			r.add(label, "referral-512", false, "%s: no answer without EDNS: %v", q.name, err)
		case m.Truncated:
			r.add(label, "referral-512", false, "%s: referral truncated (TC) in 512 bytes", q.name)
		default:
			r.add(label, "referral-512", true, "%s: referral fits in 512 bytes", q.name)
		}
		return
	}
}
