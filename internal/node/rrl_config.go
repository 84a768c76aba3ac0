package node

import (
	"net/netip"

	"anycloud/internal/authserver"
	"anycloud/internal/yamlconf"
)

// RRLFile is response rate limiting as BIND, NSD and Knot DNS do it: per
// source prefix, response class and name, with slip. It is on by default on
// a node, since an anycast node answering spoofed queries at full size is a
// reflection amplifier; omit the section for the defaults.
type RRLFile struct {
	// Enabled turns rate limiting off with false (default true).
	Enabled *bool `yaml:"enabled"`
	// ResponsesPerSecond per source prefix, response class and name
	// (default 20, as BIND's responses-per-second and Knot's rrl rate-limit).
	ResponsesPerSecond int `yaml:"responses-per-second"`
	// Slip: every slip-th limited response is sent truncated so a real
	// client retries over TCP (default 2; 1 truncates all; 0 drops all).
	Slip *int `yaml:"slip"`
	// IPv4Prefix is the length sources are grouped by (default 24).
	IPv4Prefix int `yaml:"ipv4-prefix"`
	// IPv6Prefix is the length sources are grouped by (default 56).
	IPv6Prefix int `yaml:"ipv6-prefix"`
	// Exempt lists prefixes never limited, such as the operator's own
	// monitoring (e.g. ["192.0.2.0/24", "2001:db8::/32"]).
	Exempt []string `yaml:"exempt"`
}

// validate returns the limiter's configuration, nil when turned off. A nil
// section means the defaults.
func (f *RRLFile) validate(p *yamlconf.Problems) *authserver.RRLConfig {
	if f == nil {
		return &authserver.RRLConfig{}
	}
	if f.Enabled != nil && !*f.Enabled {
		return nil
	}
	cfg := &authserver.RRLConfig{ResponsesPerSecond: f.ResponsesPerSecond, IPv4Prefix: f.IPv4Prefix, IPv6Prefix: f.IPv6Prefix}
	if f.ResponsesPerSecond < 0 {
		p.Add("responses-per-second", "%d is negative", f.ResponsesPerSecond)
	}
	if f.Slip != nil {
		switch s := *f.Slip; {
		case s < 0 || s > 10:
			p.Add("slip", "%d is not between 0 (never truncate) and 10", s)
		case s == 0:
			cfg.Slip = -1 // the limiter's "never"
		default:
			cfg.Slip = s
		}
	}
	if f.IPv4Prefix < 0 || f.IPv4Prefix > 32 {
		p.Add("ipv4-prefix", "%d is not a prefix length between 1 and 32", f.IPv4Prefix)
	}
	if f.IPv6Prefix < 0 || f.IPv6Prefix > 128 {
		p.Add("ipv6-prefix", "%d is not a prefix length between 1 and 128", f.IPv6Prefix)
	}
	for i, e := range f.Exempt {
		prefix, err := netip.ParsePrefix(e)
		if err != nil {
			p.Add(yamlconf.Index("exempt", i), "%q is not a prefix such as 192.0.2.0/24", e)
			continue
		}
		cfg.Exempt = append(cfg.Exempt, prefix.Masked())
	}
	return cfg
}
