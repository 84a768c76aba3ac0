package yamlconf

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/miekg/dns"
)

// The checks of values every command's configuration has. Each reports
// through p under field and returns what to use: the parsed value, or the
// default (or zero value) when it is unset or wrong, so checking goes on.

// Duration parses a positive duration such as "10s"; "" is def.
func (p *Problems) Duration(field, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		p.Add(field, "%q is not a positive duration such as 10s or 5m", s)
		return def
	}
	return d
}

// HostPort returns "IP:PORT" for an address written "IP" or "IP:PORT"
// (IPv6 as [::1]:53), with defaultPort when none is given; names are not
// accepted.
func HostPort(s string, defaultPort uint16) (string, error) {
	ap, err := addrPort(s, defaultPort)
	if err != nil {
		return "", err
	}
	return ap.String(), nil
}

func addrPort(s string, defaultPort uint16) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not an IP address or IP:port", s)
	}
	return netip.AddrPortFrom(a, defaultPort), nil
}

// HostPort checks an address written "IP" or "IP:PORT" and returns it as
// "IP:PORT" (defaultPort when none is given), or "".
func (p *Problems) HostPort(field, s string, defaultPort uint16) string {
	out, err := HostPort(s, defaultPort)
	if err != nil {
		p.Add(field, "%v", err)
	}
	return out
}

// AddrPort checks an address written "IP" or "IP:PORT" as HostPort does and
// returns it parsed (the zero AddrPort when it is wrong).
func (p *Problems) AddrPort(field, s string, defaultPort uint16) netip.AddrPort {
	ap, err := addrPort(s, defaultPort)
	if err != nil {
		p.Add(field, "%v", err)
	}
	return ap
}

// Listen checks a list of addresses to listen on, each "IP:PORT", at least
// one.
func (p *Problems) Listen(field string, addrs []string) {
	if len(addrs) == 0 {
		p.Add(field, "at least one address:port is required")
	}
	for i, a := range addrs {
		if _, err := netip.ParseAddrPort(a); err != nil {
			p.Add(Index(field, i), "%q is not an IP:port (IPv6 as [::1]:53)", a)
		}
	}
}

// Loopback checks an optional "IP:PORT" that must be a loopback address
// (an endpoint for this host only); why ends the message when it is not.
func (p *Problems) Loopback(field, s, why string) {
	if s == "" {
		return
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		p.Add(field, "%q is not an IP:port", s)
	} else if !ap.Addr().IsLoopback() {
		p.Add(field, "%s is not a loopback address: %s", s, why)
	}
}

// Addr parses an IP address.
func (p *Problems) Addr(field, s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		p.Add(field, "%q is not an IP address", s)
	}
	return a
}

// DomainName checks a domain name and returns it canonical (lower case,
// fully qualified), or "" when it is not one. An empty name is the
// caller's to refuse or allow.
func (p *Problems) DomainName(field, s string) string {
	if _, ok := dns.IsDomainName(s); !ok {
		p.Add(field, "%q is not a domain name", s)
		return ""
	}
	return dns.CanonicalName(s)
}

// Resolve returns path relative to baseDir (the configuration file's
// directory) unless it is absolute: files a configuration names (secrets,
// tokens, keys) are found next to it wherever the command runs.
func Resolve(baseDir, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(baseDir, path)
}
