package node

import (
	"net/netip"
	"strings"
	"time"

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
	cfg, err := yamlconf.Load(path, ParseConfig)
	if err != nil {
		return nil, err
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
	p := &yamlconf.Problems{}
	cfg := &Config{Listen: f.Listen, NSID: f.NSID, Identity: f.Identity, Storage: f.Storage}
	p.Listen("listen", f.Listen)
	if f.Storage == "" {
		p.Add("storage", "required: the directory where zone copies are kept")
	}
	if f.Catalog == "" {
		p.Add("catalog", "required: the name of the hub's catalog zone")
	} else {
		cfg.Catalog = p.DomainName("catalog", f.Catalog)
	}
	cfg.Hubs = f.validateHubs(p, baseDir)
	cfg.Timeout = p.Duration("timeouts.transfer", f.Timeouts.Transfer, 10*time.Second)
	cfg.MinRefresh = p.Duration("timeouts.min-refresh", f.Timeouts.MinRefresh, 5*time.Second)
	cfg.MaxRefresh = p.Duration("timeouts.max-refresh", f.Timeouts.MaxRefresh, 24*time.Hour)
	// The control endpoint can withdraw the node; its token guards it on
	// the host, and it has no TLS.
	p.Loopback("control", f.Control, "the control endpoint is for this host only (plain HTTP)")
	cfg.Control = f.Control
	cfg.Metrics = f.Metrics
	if _, err := netip.ParseAddrPort(f.Metrics); f.Metrics != "" && err != nil {
		p.Add("metrics", "%q is not an IP:port", f.Metrics)
	}
	if f.Announce != nil {
		cfg.Announce = f.Announce.validate(p.In("announce"), f.Listen, baseDir)
	}
	cfg.RRL = f.RRL.validate(p.In("rrl"))
	cfg.TCP = f.TCP.Limits(authserver.DefaultTCP, p.In("tcp").Add)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// validateHubs reads hubs: (or the single hub:) into cfg.Hubs.
func (f *File) validateHubs(p *yamlconf.Problems, baseDir string) []Hub {
	files, prefix := f.Hubs, "hubs"
	switch {
	case f.Hub != nil && len(f.Hubs) > 0:
		p.Add("hub", "give hub: (one hub) or hubs: (a list), not both")
		return nil
	case f.Hub != nil:
		files, prefix = []HubFile{*f.Hub}, "hub"
		if files[0].Name == "" {
			files[0].Name = "hub"
		}
	case len(f.Hubs) == 0:
		p.Add("hubs", "at least one hub is required")
		return nil
	case len(f.Hubs) > maxHubs:
		p.Add("hubs", "%d hubs, at most %d", len(f.Hubs), maxHubs)
		return nil
	}
	var hubs []Hub
	names, owner := map[string]bool{}, map[string]string{}
	for i, hf := range files {
		path := prefix
		if prefix == "hubs" {
			path = yamlconf.Index("hubs", i)
		}
		h := Hub{Name: hf.Name}
		switch {
		case hf.Name == "":
			p.Add(path+".name", "required: names the hub in logs and status")
		case names[hf.Name]:
			p.Add(path+".name", "%q is used twice", hf.Name)
		}
		names[hf.Name] = true
		if len(hf.Addresses) == 0 {
			p.Add(path+".addresses", "at least one hub address is required")
		}
		for j, a := range hf.Addresses {
			field := yamlconf.Index(path+".addresses", j)
			ap := p.AddrPort(field, a, 53)
			if !ap.IsValid() {
				continue
			}
			ip := ap.Addr().Unmap().String()
			if other, dup := owner[ip]; dup {
				p.Add(field, "%s is also an address of hub %q: a NOTIFY from it could not be told apart", ip, other)
			}
			owner[ip] = hf.Name
			h.Addrs = append(h.Addrs, ap.String())
		}
		h.Key = hf.TSIG.Check(p.In(path+".tsig"), baseDir)
		hubs = append(hubs, h)
	}
	return hubs
}

// String names the hub and its addresses, for logs and --check.
func (h Hub) String() string { return h.Name + " " + strings.Join(h.Addrs, ",") }
