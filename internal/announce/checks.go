package announce

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// SOACheck queries every zone that zones returns for its SOA over UDP at the
// service address, the way a resolver would, and fails unless each answer is
// authoritative, NOERROR and holds the zone's SOA. No zones served counts as
// a failure: a node with nothing to serve must not attract traffic.
func SOACheck(addr netip.Addr, port int, zones func() []string) Check {
	server := net.JoinHostPort(addr.String(), strconv.Itoa(port))
	return Check{Name: "soa@" + addr.String(), Run: func(ctx context.Context) error {
		list := zones()
		if len(list) == 0 {
			return errors.New("no zones served")
		}
		for _, z := range list {
			if err := querySOA(ctx, server, z); err != nil {
				return err
			}
		}
		return nil
	}}
}

func querySOA(ctx context.Context, server, zone string) error {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	q.RecursionDesired = false
	c := &dns.Client{Net: "udp", UDPSize: 1232, Dialer: loopbackDialer(server)}
	r, _, err := c.ExchangeContext(ctx, q, server)
	if err != nil {
		return fmt.Errorf("%s SOA: %w", zone, err)
	}
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
		return fmt.Errorf("%s SOA: rcode %s, aa=%v", zone, dns.RcodeToString[r.Rcode], r.Authoritative)
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, dns.Fqdn(zone)) {
			return nil
		}
	}
	return fmt.Errorf("%s SOA: no SOA in the answer", zone)
}

// ExpiredCheck fails while expired lists any zone, naming them. The node
// lists its expired zones only once no zone is left in service (package
// node, expiredZones), so it withdraws when every zone has passed its SOA
// EXPIRE, not when one has: an expired zone is answered SERVFAIL (as NSD and
// Knot do) while the others keep the node announced.
func ExpiredCheck(expired func() []string) Check {
	return Check{Name: "zones-fresh", Run: func(context.Context) error {
		if list := expired(); len(list) > 0 {
			return fmt.Errorf("expired zones: %s", strings.Join(list, ", "))
		}
		return nil
	}}
}

// DefaultRouteCheck fails while the routing table has no usable default
// route for the family: a node whose uplink vanished must not re-announce
// into a blackhole.
func DefaultRouteCheck(f Family) Check {
	return Check{Name: "default-route-" + string(f), Run: func(context.Context) error {
		ok, err := hasDefaultRoute(f, procRoutePaths)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no %s default route", f)
		}
		return nil
	}}
}

// FuncCheck adapts a plain function, for checks owned by other packages.
func FuncCheck(name string, fn func(ctx context.Context) error) Check {
	return Check{Name: name, Run: fn}
}

// NodeChecks is the standard set for an anycast node: an SOA query per
// zone in service over every service address (failing when none is in
// service), ExpiredCheck with the node's list of expired zones, and a
// default route for every family the node serves. port is the DNS port
// (53 in production).
func NodeChecks(service []netip.Addr, port int, zones, expired func() []string) []Check {
	checks := []Check{}
	families := map[Family]bool{}
	for _, a := range service {
		checks = append(checks, SOACheck(a, port, zones))
		families[familyOf(a)] = true
	}
	checks = append(checks, ExpiredCheck(expired))
	for _, f := range []Family{IPv4, IPv6} {
		if families[f] {
			checks = append(checks, DefaultRouteCheck(f))
		}
	}
	return checks
}

// loopbackDialer sends the check from the loopback address of server's
// family, so that the DNS server can tell it from the outside traffic a
// drain waits to see gone (it counts no query from loopback).
func loopbackDialer(server string) *net.Dialer {
	ap, err := netip.ParseAddrPort(server)
	if err != nil {
		return nil
	}
	src := netip.IPv6Loopback()
	if ap.Addr().Is4() {
		src = netip.MustParseAddr("127.0.0.1")
	}
	return &net.Dialer{LocalAddr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0))}
}
