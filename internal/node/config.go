package node

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/authserver"
	"anycloud/internal/tcpslots"
	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// File is the node configuration as written in YAML. Unknown keys are
// errors.
type File struct {
	Listen   []string `yaml:"listen"`   // "ADDR:PORT" to answer on, UDP and TCP: the service addresses and the unicast ones
	NSID     string   `yaml:"nsid"`     // EDNS NSID (RFC 5001); name each node uniquely
	Identity string   `yaml:"identity"` // id.server and hostname.bind answer, default the NSID
	Storage  string   `yaml:"storage"`  // directory of zone copies, served at once after a restart
	Catalog  string   `yaml:"catalog"`  // name of the hub's catalog zone; its members are the zones served
	// Hubs are the cloud's hubs, active-active: the node asks every one
	// for every zone and takes the highest serial (RFC 1982), so a hub
	// that lags or is down never takes a zone back or expires it.
	Hubs []HubFile `yaml:"hubs"`
	// Hub is the older single-hub form, read as hubs: with one entry named
	// "hub"; give hub: or hubs:, not both.
	Hub      *HubFile     `yaml:"hub"`
	Timeouts TimeoutsFile `yaml:"timeouts"`
	// Control is the loopback HTTP endpoint for `anycloud node
	// status|drain|undrain`; drain and undrain need the bearer token the
	// node keeps in control.token in its storage directory (mode 0600).
	Control string `yaml:"control"`
	// Metrics serves /metrics and the read-only /status (for the monitor).
	Metrics  string        `yaml:"metrics"`
	Announce *AnnounceFile `yaml:"announce"`
	// RRL is response rate limiting, on by default (rrl_config.go).
	RRL *RRLFile `yaml:"rrl"`
	// TCP bounds the DNS listener's TCP connections (defaults: 1000 in
	// all, 100 per /24 or /56, 10s idle).
	TCP tcpslots.File `yaml:"tcp"`
}

// HubFile says where one hub is and how to sign requests to it.
type HubFile struct {
	Name      string      `yaml:"name"`      // the hub's name in logs and status; required in hubs:, unique
	Addresses []string    `yaml:"addresses"` // the hub's transfer addresses, "ADDR" or "ADDR:PORT", tried in this order; an address belongs to one hub only
	TSIG      xfr.KeySpec `yaml:"tsig"`      // the key the hub issued for this node: requests to this hub are signed with it, its NOTIFYs must be
}

// Hub is one validated hub.
type Hub struct {
	Name  string
	Addrs []string // "IP:PORT", tried in this order
	Key   *xfr.Key
}

// maxHubs bounds hubs: the node asks every hub for every zone at each
// check, so the list is a multiplier on its traffic.
const maxHubs = 8

// TimeoutsFile bounds network operations and SOA timers.
type TimeoutsFile struct {
	Transfer   string `yaml:"transfer"`    // per network operation, e.g. "10s"
	MinRefresh string `yaml:"min-refresh"` // lower bound on SOA refresh/retry
	MaxRefresh string `yaml:"max-refresh"` // upper bound on SOA refresh/retry
}

// Config is a validated node configuration.
type Config struct {
	Path       string
	Listen     []string
	Version    string // version.bind answer; set by the command, not the file
	NSID       string
	Identity   string
	Storage    string
	Catalog    string
	Hubs       []Hub // at least one
	Timeout    time.Duration
	MinRefresh time.Duration
	MaxRefresh time.Duration
	Control    string
	Metrics    string
	Announce   *Announce             // nil: the node announces nothing
	RRL        *authserver.RRLConfig // nil: rate limiting off
	TCP        tcpslots.Limits
}

// LoadConfig reads and validates the configuration at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg.Path = path
	return cfg, nil
}

// ParseConfig decodes data strictly and validates it.
func ParseConfig(data []byte, baseDir string) (*Config, error) {
	var f File
	if err := yamlconf.Decode(data, &f); err != nil {
		return nil, err
	}
	return f.validate(baseDir)
}

func (f *File) validate(baseDir string) (*Config, error) {
	var problems []string
	add := func(field, format string, args ...any) {
		problems = append(problems, field+": "+fmt.Sprintf(format, args...))
	}
	cfg := &Config{Listen: f.Listen, NSID: f.NSID, Identity: f.Identity, Storage: f.Storage}
	if len(f.Listen) == 0 {
		add("listen", "at least one address:port is required")
	}
	for i, a := range f.Listen {
		if _, err := netip.ParseAddrPort(a); err != nil {
			add(fmt.Sprintf("listen[%d]", i), "%q is not an IP:port (IPv6 as [::1]:53)", a)
		}
	}
	if f.Storage == "" {
		add("storage", "required: the directory where zone copies are kept")
	}
	if f.Catalog == "" {
		add("catalog", "required: the name of the hub's catalog zone")
	} else if _, ok := dns.IsDomainName(f.Catalog); !ok {
		add("catalog", "%q is not a domain name", f.Catalog)
	}
	cfg.Catalog = dns.CanonicalName(f.Catalog)
	cfg.Hubs = f.validateHubs(add, baseDir)
	cfg.Timeout = duration(add, "timeouts.transfer", f.Timeouts.Transfer, 10*time.Second)
	cfg.MinRefresh = duration(add, "timeouts.min-refresh", f.Timeouts.MinRefresh, 5*time.Second)
	cfg.MaxRefresh = duration(add, "timeouts.max-refresh", f.Timeouts.MaxRefresh, 24*time.Hour)
	cfg.Control = controlAddr(add, f.Control)
	cfg.Metrics = f.Metrics
	if _, err := netip.ParseAddrPort(f.Metrics); f.Metrics != "" && err != nil {
		add("metrics", "%q is not an IP:port", f.Metrics)
	}
	if f.Announce != nil {
		cfg.Announce = f.Announce.validate(add, f.Listen, baseDir)
	}
	cfg.RRL = f.RRL.validate(add)
	cfg.TCP = f.TCP.Limits(authserver.DefaultTCP, func(key, format string, args ...any) { add("tcp."+key, format, args...) })
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return cfg, nil
}

// validateHubs reads hubs: (or the single hub:) into cfg.Hubs.
func (f *File) validateHubs(add func(string, string, ...any), baseDir string) []Hub {
	files, prefix := f.Hubs, "hubs"
	switch {
	case f.Hub != nil && len(f.Hubs) > 0:
		add("hub", "give hub: (one hub) or hubs: (a list), not both")
		return nil
	case f.Hub != nil:
		files, prefix = []HubFile{*f.Hub}, "hub"
		if files[0].Name == "" {
			files[0].Name = "hub"
		}
	case len(f.Hubs) == 0:
		add("hubs", "at least one hub is required")
		return nil
	case len(f.Hubs) > maxHubs:
		add("hubs", "%d hubs, at most %d", len(f.Hubs), maxHubs)
		return nil
	}
	var hubs []Hub
	names, owner := map[string]bool{}, map[string]string{}
	for i, hf := range files {
		path := prefix
		if prefix == "hubs" {
			path = fmt.Sprintf("hubs[%d]", i)
		}
		h := Hub{Name: hf.Name}
		switch {
		case hf.Name == "":
			add(path+".name", "required: names the hub in logs and status")
		case names[hf.Name]:
			add(path+".name", "%q is used twice", hf.Name)
		}
		names[hf.Name] = true
		if len(hf.Addresses) == 0 {
			add(path+".addresses", "at least one hub address is required")
		}
		for j, a := range hf.Addresses {
			field := fmt.Sprintf("%s.addresses[%d]", path, j)
			ap, err := hostPort(a)
			if err != nil {
				add(field, "%q is not an IP address or IP:port", a)
				continue
			}
			ip := ipOf(ap)
			if other, dup := owner[ip]; dup {
				add(field, "%s is also an address of hub %q: a NOTIFY from it could not be told apart", ip, other)
			}
			owner[ip] = hf.Name
			h.Addrs = append(h.Addrs, ap)
		}
		key, err := hf.TSIG.Load(baseDir)
		if err != nil {
			add(path+".tsig", "%v", err)
		}
		h.Key = key
		hubs = append(hubs, h)
	}
	return hubs
}

// String names the hub and its addresses, for logs and --check.
func (h Hub) String() string { return h.Name + " " + strings.Join(h.Addrs, ",") }

func ipOf(addrPort string) string {
	return netip.MustParseAddrPort(addrPort).Addr().Unmap().String()
}

func hostPort(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", err
	}
	return netip.AddrPortFrom(a, 53).String(), nil
}

func duration(add func(string, string, ...any), field, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		add(field, "%q is not a positive duration such as 10s or 5m", s)
		return def
	}
	return d
}

// controlAddr accepts only loopback addresses: the control endpoint can
// withdraw the node; its token guards it on the host, and it has no TLS.
func controlAddr(add func(string, string, ...any), s string) string {
	if s == "" {
		return ""
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		add("control", "%q is not an IP:port", s)
	} else if !ap.Addr().IsLoopback() {
		add("control", "%s is not a loopback address: the control endpoint is for this host only (plain HTTP)", s)
	}
	return s
}
