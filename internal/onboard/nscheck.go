package onboard

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// CloudNS is the cloud's name server: the names clients list in their NS
// RRsets and the (anycast) addresses those names have.
type CloudNS struct {
	Names     []string
	Addresses []netip.Addr
}

// NSInZone checks that the apex NS RRset at the client's primary includes
// every cloud name server name.
func NSInZone(ctx context.Context, zone string, primaries []string, cloud CloudNS, timeout time.Duration) *Report {
	start := time.Now()
	r := newReport(zone, StepNSInZone)
	if len(cloud.Names) == 0 {
		r.add("hub", "config", false, "the hub's configuration names no cloud name server (onboarding.nameservers)")
	}
	for _, p := range primaries {
		m, err := query(ctx, "tcp", p, zone, dns.TypeNS, false, false, timeout)
		if err != nil {
			r.add("primary "+p, "apex-ns", false, "%v", err)
			continue
		}
		have := nsNames(m.Answer, zone)
		missing := missingNames(cloud.Names, have)
		r.add("primary "+p, "apex-ns", len(missing) == 0, "apex NS %v; missing %v", have, missing)
	}
	if !r.finish(start).Pass {
		r.Todo = "add to the zone at the primary: " + strings.Join(nsLines(zone, cloud), "; ")
	}
	return r
}

// NSInParent follows referrals from the root servers down to the
// delegation of zone and checks it lists every cloud name server, with
// glue equal to the cloud's addresses wherever glue is given.
func NSInParent(ctx context.Context, zone string, roots []string, cloud CloudNS, timeout time.Duration) *Report {
	start := time.Now()
	r := newReport(zone, StepNSInParent)
	r.fact("expected", "%s", strings.Join(append(nsLines(zone, cloud), glueLines(cloud)...), "; "))
	ref, server, err := findDelegation(ctx, zone, roots, timeout)
	if err != nil {
		r.add("parent", "delegation", false, "%v", err)
	} else {
		checkDelegation(r, zone, server, ref, cloud)
	}
	if !r.finish(start).Pass {
		r.Todo = "file with the parent (IANA for a ccTLD) a change of the delegation of " + zone +
			" adding: " + r.Facts["expected"]
	}
	return r
}

// findDelegation asks the root servers, then each referred server, for
// zone's NS until an answer is the delegation of zone itself (a referral
// whose authority NS are owned by zone). At most 8 referrals.
func findDelegation(ctx context.Context, zone string, servers []string, timeout time.Duration) (*dns.Msg, string, error) {
	if len(servers) == 0 {
		return nil, "", fmt.Errorf("no root server configured (onboarding.root-servers)")
	}
	for range 8 {
		m, server, err := askAny(ctx, servers, zone, timeout)
		if err != nil {
			return nil, "", err
		}
		owner, names := referralNS(m)
		switch {
		case owner == zone:
			return m, server, nil
		case owner == "" || !dns.IsSubDomain(owner, zone):
			return nil, server, fmt.Errorf("%s gives no delegation for %s (rcode %s, %d answer records): the parent does not delegate it",
				server, zone, dns.RcodeToString[m.Rcode], len(m.Answer))
		}
		if servers = glueAddrs(m, names); len(servers) == 0 {
			return nil, server, fmt.Errorf("%s refers %s to %v without glue; follow-up without glue is not supported", server, owner, names)
		}
	}
	return nil, "", fmt.Errorf("more than 8 referrals toward %s", zone)
}

func askAny(ctx context.Context, servers []string, zone string, timeout time.Duration) (*dns.Msg, string, error) {
	var errs []string
	for _, s := range servers {
		m, err := query(ctx, "udp", s, zone, dns.TypeNS, false, false, timeout)
		if err == nil && m.Truncated {
			m, err = query(ctx, "tcp", s, zone, dns.TypeNS, false, false, timeout)
		}
		if err == nil {
			return m, s, nil
		}
		errs = append(errs, s+": "+err.Error())
	}
	return nil, "", fmt.Errorf("no parent server answered: %s", strings.Join(errs, "; "))
}

// referralNS returns the owner and targets of the NS records in the
// authority section (or the answer, when the server is authoritative for
// both parent and child).
func referralNS(m *dns.Msg) (string, []string) {
	for _, sec := range [][]dns.RR{m.Ns, m.Answer} {
		owner := ""
		var names []string
		for _, rr := range sec {
			if ns, ok := rr.(*dns.NS); ok {
				owner = dns.CanonicalName(ns.Hdr.Name)
				names = append(names, dns.CanonicalName(ns.Ns))
			}
		}
		if owner != "" {
			return owner, names
		}
	}
	return "", nil
}

func glueAddrs(m *dns.Msg, names []string) []string {
	var out []string
	for _, rr := range m.Extra {
		if !slices.Contains(names, dns.CanonicalName(rr.Header().Name)) {
			continue
		}
		switch a := rr.(type) {
		case *dns.A:
			out = append(out, netip.AddrPortFrom(netip.AddrFrom4([4]byte(a.A.To4())), 53).String())
		case *dns.AAAA:
			out = append(out, netip.AddrPortFrom(netip.AddrFrom16([16]byte(a.AAAA.To16())), 53).String())
		}
	}
	return out
}

func checkDelegation(r *Report, zone, server string, m *dns.Msg, cloud CloudNS) {
	target := "parent " + server
	_, names := referralNS(m)
	missing := missingNames(cloud.Names, names)
	r.add(target, "ns", len(missing) == 0, "delegation NS %v; missing %v", names, missing)
	for _, n := range cloud.Names {
		got := glueFor(m, n)
		switch {
		case len(got) == 0 && dns.IsSubDomain(zone, n):
			r.add(target, "glue", false, "%s is inside %s but the parent gives no glue for it", n, zone)
		case len(got) == 0:
			r.add(target, "glue", true, "%s: no glue given (resolved on its own)", n)
		case !sameAddrs(got, cloud.Addresses):
			r.add(target, "glue", false, "glue for %s is %v, the cloud's addresses are %v", n, got, cloud.Addresses)
		default:
			r.add(target, "glue", true, "glue for %s is %v", n, got)
		}
	}
}

func glueFor(m *dns.Msg, name string) []netip.Addr {
	var out []netip.Addr
	for _, rr := range m.Extra {
		if dns.CanonicalName(rr.Header().Name) != dns.CanonicalName(name) {
			continue
		}
		switch a := rr.(type) {
		case *dns.A:
			out = append(out, netip.AddrFrom4([4]byte(a.A.To4())))
		case *dns.AAAA:
			out = append(out, netip.AddrFrom16([16]byte(a.AAAA.To16())))
		}
	}
	return out
}

func sameAddrs(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func nsNames(rrs []dns.RR, zone string) []string {
	var out []string
	for _, rr := range rrs {
		if ns, ok := rr.(*dns.NS); ok && dns.CanonicalName(ns.Hdr.Name) == dns.CanonicalName(zone) {
			out = append(out, dns.CanonicalName(ns.Ns))
		}
	}
	return out
}

func missingNames(want, have []string) []string {
	missing := []string{}
	for _, w := range want {
		if !slices.Contains(have, dns.CanonicalName(w)) {
			missing = append(missing, dns.CanonicalName(w))
		}
	}
	return missing
}

// nsLines and glueLines are the zone-file lines a client or the parent
// adds.
func nsLines(zone string, cloud CloudNS) []string {
	var out []string
	for _, n := range cloud.Names {
		out = append(out, fmt.Sprintf("%s NS %s", zone, dns.CanonicalName(n)))
	}
	return out
}

func glueLines(cloud CloudNS) []string {
	var out []string
	for _, n := range cloud.Names {
		for _, a := range cloud.Addresses {
			t := "A"
			if a.Is6() {
				t = "AAAA"
			}
			out = append(out, fmt.Sprintf("%s %s %s", dns.CanonicalName(n), t, a))
		}
	}
	return out
}
