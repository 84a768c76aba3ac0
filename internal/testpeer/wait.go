package testpeer

import (
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// WaitSOA polls addr ("host:port") over UDP until it answers an
// authoritative SOA for zone, or timeout passes. Knot and NSD answer
// SERVFAIL (or REFUSED) until a zone is loaded, so a started daemon is not
// a ready one.
func WaitSOA(addr, zone string, timeout time.Duration) error {
	return waitSOA(addr, zone, time.Now().Add(timeout), nil)
}

// waitSOA is WaitSOA with an absolute deadline and an abort channel that is
// closed when the daemon being waited for has exited.
func waitSOA(addr, zone string, deadline time.Time, exited <-chan struct{}) error {
	client := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
	last := "no answer"
	for time.Now().Before(deadline) {
		resp, _, err := client.Exchange(soaQuery(zone), addr)
		if err == nil && isAuthoritativeSOA(resp, zone) {
			return nil
		}
		last = describe(resp, err)
		select {
		case <-exited:
			return fmt.Errorf("daemon exited while waiting for SOA of %s (last: %s)", zone, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("no authoritative SOA for %s from %s before %s (last: %s)",
		zone, addr, deadline.Format(time.TimeOnly), last)
}

func soaQuery(zone string) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	m.RecursionDesired = false
	return m
}

func isAuthoritativeSOA(resp *dns.Msg, zone string) bool {
	if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative {
		return false
	}
	for _, rr := range resp.Answer {
		if _, ok := rr.(*dns.SOA); ok && strings.EqualFold(rr.Header().Name, dns.Fqdn(zone)) {
			return true
		}
	}
	return false
}

func describe(resp *dns.Msg, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("rcode %s, aa=%v, %d answers", dns.RcodeToString[resp.Rcode], resp.Authoritative, len(resp.Answer))
}
