package xfr

import (
	"context"
	"errors"
	"time"

	"github.com/miekg/dns"
)

// Client holds what every request to one peer shares.
type Client struct {
	Key     *Key          // nil: unsigned requests
	Timeout time.Duration // per network operation; 0 means 10 s
	Limits  Limits        // per transfer (limits.go); zero fields: defaults
	// Snapshot builds an AXFR answer straight into a serving snapshot, the
	// version held by it alone (a node); otherwise the version keeps its
	// records (the hub, which gates and diffs them).
	Snapshot bool
}

func (c Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 10 * time.Second
	}
	return c.Timeout
}

// SOAAnswer is the answer to a SOA check.
type SOAAnswer struct {
	SOA *dns.SOA
	// Expire is the EDNS EXPIRE value (RFC 7314) if the server sent one.
	Expire *uint32
}

// QuerySOA asks server for the SOA of origin over UDP, retrying over TCP on
// truncation, and asks for the EDNS EXPIRE option on the way.
func (c Client) QuerySOA(ctx context.Context, server, origin string) (*SOAAnswer, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.CanonicalName(origin), dns.TypeSOA)
	q.SetEdns0(1232, false)
	opt := q.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
	m, err := exchange(ctx, "udp", server, c.Key, c.timeout(), q)
	if err == nil && m.Truncated {
		q.Id = dns.Id()
		m, err = exchange(ctx, "tcp", server, c.Key, c.timeout(), q)
	}
	if err != nil {
		return nil, err
	}
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) == dns.CanonicalName(origin) {
			return &SOAAnswer{SOA: soa, Expire: expireOption(m)}, nil
		}
	}
	return nil, errors.New(server + " answered without the SOA of " + origin + " (not authoritative for it?)")
}

// Notify sends a NOTIFY for origin with its new SOA to server and waits for
// the acknowledgement (RFC 1996 section 3.6). The request is signed; an
// unsigned acknowledgement is accepted, since servers such as anycloud's
// node answer NOTIFY without TSIG.
func (c Client) Notify(ctx context.Context, server string, soa *dns.SOA) error {
	q := new(dns.Msg)
	q.SetNotify(soa.Hdr.Name)
	q.Answer = []dns.RR{soa}
	_, err := exchangeOpt(ctx, "udp", server, c.Key, c.timeout(), q, true)
	return err
}

func expireOption(m *dns.Msg) *uint32 {
	opt := m.IsEdns0()
	if opt == nil {
		return nil
	}
	for _, o := range opt.Option {
		if e, ok := o.(*dns.EDNS0_EXPIRE); ok && !e.Empty {
			v := e.Expire
			return &v
		}
	}
	return nil
}
