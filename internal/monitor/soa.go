package monitor

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// answer is one SOA query's outcome.
type answer struct {
	Serial uint32
	Expire uint32 // SOA EXPIRE, seconds
	NSID   string
	RTT    time.Duration
	Err    string
}

// querySOA asks addr for zone's SOA over network ("udp" or "tcp") with an
// NSID option, signed with key when there is one, and accepts only an
// authoritative answer holding the SOA: a server that lost the zone and
// answers REFUSED is not serving it.
func querySOA(network, addr, zone string, key *xfr.Key, timeout time.Duration) answer {
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	q.RecursionDesired = false
	q.SetEdns0(1232, false)
	q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	c := &dns.Client{Net: network, Timeout: timeout}
	if key != nil {
		q.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
		c.TsigProvider = xfr.Provider(key)
	}
	resp, rtt, err := c.Exchange(q, addr)
	if err != nil {
		return answer{Err: err.Error()}
	}
	a := answer{RTT: rtt, NSID: nsidOf(resp)}
	if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative {
		a.Err = fmt.Sprintf("%s, authoritative %v", dns.RcodeToString[resp.Rcode], resp.Authoritative)
		return a
	}
	for _, rr := range resp.Answer {
		if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) == dns.CanonicalName(zone) {
			a.Serial, a.Expire = soa.Serial, soa.Expire
			return a
		}
	}
	a.Err = "no SOA in the answer"
	return a
}

func nsidOf(m *dns.Msg) string {
	opt := m.IsEdns0()
	if opt == nil {
		return ""
	}
	for _, o := range opt.Option {
		if n, ok := o.(*dns.EDNS0_NSID); ok {
			if b, err := hex.DecodeString(n.Nsid); err == nil {
				return string(b)
			}
		}
	}
	return ""
}

// serialDiff is a - b in RFC 1982 serial arithmetic: positive when a is newer.
func serialDiff(a, b uint32) int64 { return int64(int32(a - b)) }
