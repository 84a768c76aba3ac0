package monitor

import (
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// ZoneCheck is one zone asked at one anycast target from a vantage.
type ZoneCheck struct {
	Zone    string `json:"zone"`
	Address string `json:"address"`
	NSID    string `json:"nsid,omitempty"`
	Serial  uint32 `json:"serial,omitempty"`
	Answers int    `json:"answers"` // queries of the mix answered without a server error
	Sent    int    `json:"sent"`
	Error   string `json:"error,omitempty"`
}

// zoneMix is what `anycloud probe --zones` asks each zone: the SOA, the
// apex NS, a name's addresses, DNSSEC keys with DO, and a missing name
// (NXDOMAIN), a small mix like a resolver's.
func zoneMix(zone string, round int) []dns.Question {
	return []dns.Question{
		{Name: zone, Qtype: dns.TypeSOA, Qclass: dns.ClassINET},
		{Name: zone, Qtype: dns.TypeNS, Qclass: dns.ClassINET},
		{Name: "www." + zone, Qtype: dns.TypeA, Qclass: dns.ClassINET},
		{Name: "www." + zone, Qtype: dns.TypeAAAA, Qclass: dns.ClassINET},
		{Name: zone, Qtype: dns.TypeDNSKEY, Qclass: dns.ClassINET},
		{Name: fmt.Sprintf("probe-%d.%s", round, zone), Qtype: dns.TypeA, Qclass: dns.ClassINET},
	}
}

// CheckZones asks every zone its query mix at every target over UDP:
// the zone answers from this vantage, with which serial and from which node.
func CheckZones(zones, targets []string, round int, timeout time.Duration) []ZoneCheck {
	var out []ZoneCheck
	c := &dns.Client{Timeout: timeout}
	for _, t := range targets {
		for _, zone := range zones {
			out = append(out, checkZone(c, dns.Fqdn(zone), t, round))
		}
	}
	return out
}

func checkZone(c *dns.Client, zone, target string, round int) ZoneCheck {
	zc := ZoneCheck{Zone: zone, Address: target}
	for _, q := range zoneMix(zone, round) {
		m := new(dns.Msg)
		m.Question = []dns.Question{q}
		m.Id = dns.Id()
		m.SetEdns0(1232, q.Qtype == dns.TypeDNSKEY)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
		zc.Sent++
		resp, _, err := c.Exchange(m, hostPort(target))
		if err != nil {
			zc.Error = err.Error()
			continue
		}
		if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
			zc.Error = q.String() + ": " + dns.RcodeToString[resp.Rcode]
			continue
		}
		zc.Answers++
		zc.NSID = nsidOf(resp)
		for _, rr := range resp.Answer {
			if soa, ok := rr.(*dns.SOA); ok {
				zc.Serial = soa.Serial
			}
		}
	}
	return zc
}
