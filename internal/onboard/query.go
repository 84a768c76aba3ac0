package onboard

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// query sends one question to server over network ("udp" or "tcp"), with
// EDNS (1232 bytes) unless plain, and recursion desired only when rd.
func query(ctx context.Context, network, server, name string, qtype uint16, plain, rd bool, timeout time.Duration) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.CanonicalName(name), qtype)
	q.RecursionDesired = rd
	if !plain {
		q.SetEdns0(1232, false)
	}
	c := &dns.Client{Net: network, Timeout: timeout}
	m, _, err := c.ExchangeContext(ctx, q, server)
	if err != nil {
		return nil, fmt.Errorf("%s over %s: %w", dns.TypeToString[qtype], network, err)
	}
	return m, nil
}

// rrsetText renders records without TTLs, sorted, for comparing answers
// from servers that may differ in order.
func rrsetText(rrs []dns.RR, keep func(dns.RR) bool) string {
	var lines []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT || rr.Header().Rrtype == dns.TypeRRSIG || keep != nil && !keep(rr) {
			continue
		}
		c := dns.Copy(rr)
		c.Header().Ttl = 0
		c.Header().Name = dns.CanonicalName(c.Header().Name)
		lines = append(lines, strings.ToLower(c.String()))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func ofType(t uint16) func(dns.RR) bool {
	return func(rr dns.RR) bool { return rr.Header().Rrtype == t }
}

func addressRecords(rr dns.RR) bool {
	t := rr.Header().Rrtype
	return t == dns.TypeA || t == dns.TypeAAAA
}

// soaSerial returns the serial of the SOA in m's answer, or false.
func soaSerial(m *dns.Msg) (uint32, bool) {
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, true
		}
	}
	return 0, false
}

// answerShape summarises an answer for comparison: rcode, AA, answer,
// authority NS and glue.
func answerShape(m *dns.Msg) string {
	return fmt.Sprintf("rcode=%s aa=%v\nanswer:\n%s\nauthority:\n%s\nglue:\n%s", dns.RcodeToString[m.Rcode], m.Authoritative,
		rrsetText(m.Answer, nil), rrsetText(m.Ns, ofType(dns.TypeNS)), rrsetText(m.Extra, addressRecords))
}

// firstDifference names the first line where two shapes differ.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("primary has %q, this server %q", a, b)
		}
	}
	return ""
}
