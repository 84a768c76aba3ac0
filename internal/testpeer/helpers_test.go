package testpeer

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func itoa(n int) string { return strconv.Itoa(n) }

func query(name string, qtype, qclass uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Question[0].Qclass = qclass
	m.RecursionDesired = false
	return m
}

func exchange(t *testing.T, addr, network string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s to %s: %v", m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], addr, err)
	}
	return resp
}

func chaosTXT(t *testing.T, addr, name string) string {
	t.Helper()
	resp := exchange(t, addr, "udp", query(name, dns.TypeTXT, dns.ClassCHAOS))
	if len(resp.Answer) != 1 {
		t.Fatalf("%s CH TXT: want one answer, got\n%v", name, resp)
	}
	return strings.Join(resp.Answer[0].(*dns.TXT).Txt, "")
}

func nsid(t *testing.T, addr string) string {
	t.Helper()
	m := query("example.test.", dns.TypeSOA, dns.ClassINET)
	m.SetEdns0(1232, false)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	resp := exchange(t, addr, "udp", m)
	if ropt := resp.IsEdns0(); ropt != nil {
		for _, o := range ropt.Option {
			if n, ok := o.(*dns.EDNS0_NSID); ok {
				return string(mustHex(t, n.Nsid))
			}
		}
	}
	return ""
}
