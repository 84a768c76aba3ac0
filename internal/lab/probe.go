package lab

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/monitor"
)

// Probe is one query from a lab host to a service address.
type Probe struct {
	Target string        `json:"target"`
	Node   string        `json:"node,omitempty"` // who answered: NSID, else id.server. TXT
	RTT    time.Duration `json:"rtt_ns,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// ProbeFrom asks "id.server. CH TXT" with an NSID option from inside
// namespace ns to addr over network ("udp" or "tcp"), the way
// operators find out which anycast instance answers them.
func ProbeFrom(ns string, addr netip.Addr, network string, timeout time.Duration) Probe {
	p := Probe{Target: network + "://" + addr.String()}
	var resp *dns.Msg
	var rtt time.Duration
	err := InNamespace(ns, func() error {
		var err error
		resp, rtt, err = exchangeIdentity(addr, network, timeout)
		return err
	})
	if err != nil {
		p.Error = err.Error()
		return p
	}
	p.RTT = rtt
	p.Node = monitor.ServerIdentity(resp)
	if p.Node == "" {
		p.Error = fmt.Sprintf("answer without identity (rcode %s)", dns.RcodeToString[resp.Rcode])
	}
	return p
}

func exchangeIdentity(addr netip.Addr, network string, timeout time.Duration) (*dns.Msg, time.Duration, error) {
	q := new(dns.Msg)
	q.SetQuestion("id.server.", dns.TypeTXT)
	q.Question[0].Qclass = dns.ClassCHAOS
	q.RecursionDesired = false
	q.SetEdns0(1232, false)
	opt := q.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	c := &dns.Client{Net: network, Timeout: timeout}
	// Dial here, inside the namespace: the socket is created on this thread.
	conn, err := c.Dial(net.JoinHostPort(addr.String(), "53"))
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	return c.ExchangeWithConn(q, conn)
}
