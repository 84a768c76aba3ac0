package hub

import (
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/yamlconf"
)

// OnboardingFile is the `onboarding:` section: what the client checks
// compare against.
type OnboardingFile struct {
	// Nameservers are the cloud's name server names clients must list.
	Nameservers []string `yaml:"nameservers"`
	// Service are the anycast addresses (IP or IP:port) the resolution
	// trial queries; their IPs are the glue the parent must carry.
	Service []string `yaml:"service"`
	// RootServers (IP or IP:port) start the NS-in-parent walk; default the
	// IANA root servers.
	RootServers []string `yaml:"root-servers"`
	// HubAddresses are where primaries see the hub's transfers come from
	// and send NOTIFY to; default the listen addresses.
	HubAddresses []string `yaml:"hub-addresses"`
	// PGPKey is the cloud's own OpenPGP private key (ASCII-armoured, no
	// passphrase, mode 0600): it signs every client bundle and decrypts
	// keys clients encrypt to it. Default <storage>/admin/cloud-pgp.asc,
	// made on first use.
	PGPKey string `yaml:"pgp-key"`
	// RemovalGrace is how long a zone removed with `anycloud client
	// remove` keeps its stored versions and key, so `client add --restore`
	// can bring it back; then they are purged. Default 720h (30 days).
	RemovalGrace string `yaml:"removal-grace"`
}

// OnboardingConfig is the validated section.
type OnboardingConfig struct {
	Nameservers  []string
	Service      []netip.AddrPort
	RootServers  []string
	HubAddresses []netip.AddrPort
	PGPKey       string // "" for the default in the storage directory
	RemovalGrace time.Duration
}

// DefaultRemovalGrace keeps a removed zone's data 30 days.
const DefaultRemovalGrace = 30 * 24 * time.Hour

// ianaRoots are a, b, c, d, e and k.root-servers.net, IPv4 and IPv6.
var ianaRoots = []string{"198.41.0.4:53", "170.247.170.2:53", "192.33.4.12:53", "199.7.91.13:53",
	"192.203.230.10:53", "193.0.14.129:53", "[2001:503:ba3e::2:30]:53", "[2001:7fd::1]:53"}

func (v *validator) onboarding(f OnboardingFile, listen []string) OnboardingConfig {
	out := OnboardingConfig{}
	for i, n := range f.Nameservers {
		out.Nameservers = append(out.Nameservers, v.zoneName(yamlconf.Index("onboarding.nameservers", i), n))
	}
	for i, s := range f.Service {
		out.Service = append(out.Service, v.AddrPort(yamlconf.Index("onboarding.service", i), s, 53))
	}
	for i, s := range f.RootServers {
		out.RootServers = append(out.RootServers, v.HostPort(yamlconf.Index("onboarding.root-servers", i), s, 53))
	}
	if len(out.RootServers) == 0 {
		out.RootServers = ianaRoots
	}
	hubs := f.HubAddresses
	if len(hubs) == 0 {
		hubs = listen
	}
	for i, s := range hubs {
		out.HubAddresses = append(out.HubAddresses, v.AddrPort(yamlconf.Index("onboarding.hub-addresses", i), s, 53))
	}
	out.RemovalGrace = v.Duration("onboarding.removal-grace", f.RemovalGrace, DefaultRemovalGrace)
	out.PGPKey = yamlconf.Resolve(v.baseDir, f.PGPKey)
	return out
}

// CloudNSNames returns the canonical names (for callers outside).
func (o OnboardingConfig) CloudNSNames() []string {
	out := make([]string, 0, len(o.Nameservers))
	for _, n := range o.Nameservers {
		out = append(out, dns.CanonicalName(n))
	}
	return out
}
