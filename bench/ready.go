package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// readyPollInterval is how often the harness asks for the SOA while a
// server loads; it bounds the start-up figure's resolution.
const readyPollInterval = 20 * time.Millisecond

// waitReady polls SOA over UDP every 20 ms from the moment the process
// started until an authoritative NOERROR answer holds the SOA (Knot
// answers SERVFAIL while it loads). It returns the time from process
// start to that answer, and fails when the server exits or timeout passes.
func waitReady(ctx context.Context, p *serverProc, origin string, port int, timeout time.Duration) (time.Duration, error) {
	client := &dns.Client{Net: "udp", Timeout: 250 * time.Millisecond}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	q := new(dns.Msg)
	q.SetQuestion(origin, dns.TypeSOA)
	deadline := p.started.Add(timeout)
	for next := p.started; time.Now().Before(deadline); next = next.Add(readyPollInterval) {
		time.Sleep(time.Until(next))
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if done, err := p.exited(); done {
			return 0, fmt.Errorf("server exited while loading (%v):\n%s", err, p.logTail())
		}
		if r, _, err := client.Exchange(q, addr); err == nil && isSOAAnswer(r) {
			return time.Since(p.started), nil
		}
		// A slow exchange may overrun several ticks; skip to the present.
		for next.Add(readyPollInterval).Before(time.Now()) {
			next = next.Add(readyPollInterval)
		}
	}
	return 0, fmt.Errorf("no authoritative SOA answer within %s:\n%s", timeout, p.logTail())
}

func isSOAAnswer(r *dns.Msg) bool {
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
		return false
	}
	for _, rr := range r.Answer {
		if _, ok := rr.(*dns.SOA); ok {
			return true
		}
	}
	return false
}
