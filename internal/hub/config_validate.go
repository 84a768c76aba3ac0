package hub

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// validator collects every problem in a file so an operator fixes them in
// one go; each problem names the field it is about.
type validator struct {
	problems []string
	baseDir  string
}

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, field+": "+fmt.Sprintf(format, args...))
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(v.problems, "\n"))
}

func (f *File) validate(baseDir string) (*Config, error) {
	v := &validator{baseDir: baseDir}
	cfg := &Config{Listen: f.Listen, Control: f.Control, Storage: f.Storage}
	v.listen("listen", f.Listen)
	v.control(f.Control)
	if f.Storage == "" {
		v.add("storage", "required: the directory where accepted versions are kept")
	}
	cfg.Catalog = v.zoneName("catalog", f.Catalog)
	cfg.MaxShrink = v.shrink(f.Gate.MaxShrink)
	cfg.EngineCheck = f.Gate.EngineCheck == nil || *f.Gate.EngineCheck
	cfg.Timeout = v.duration("timeouts.transfer", f.Timeouts.Transfer, 10*time.Second)
	cfg.MinRefresh = v.duration("timeouts.min-refresh", f.Timeouts.MinRefresh, 5*time.Second)
	cfg.MaxRefresh = v.duration("timeouts.max-refresh", f.Timeouts.MaxRefresh, 24*time.Hour)
	v.limits(f.Limits, cfg)
	cfg.TCP = f.TCP.Limits(DefaultTCP, func(key, format string, args ...any) { v.add("tcp."+key, format, args...) })
	keys := map[string]string{}
	zones := map[string]string{}
	for i, c := range f.Clients {
		c := v.client(fmt.Sprintf("clients[%d]", i), c, keys, zones)
		c.Size = v.clientLimits(fmt.Sprintf("clients[%d].limits", i), f.Clients[i].Limits, cfg.Size)
		cfg.Clients = append(cfg.Clients, c)
	}
	names := map[string]bool{}
	for i, n := range f.Nodes {
		cfg.Nodes = append(cfg.Nodes, v.node(fmt.Sprintf("nodes[%d]", i), n, keys, names))
	}
	cfg.Monitor = v.monitorSection(f.Monitor, keys, cfg.Nodes)
	cfg.Onboarding = v.onboarding(f.Onboarding, f.Listen)
	cfg.Replication = v.replication(f.Replication)
	// A hub set up for onboarding may start empty: clients come with
	// `anycloud client add`.
	if len(f.Clients) == 0 && len(f.Onboarding.Nameservers) == 0 {
		v.add("clients", "at least one client is required")
	}
	if _, clash := zones[cfg.Catalog]; clash && cfg.Catalog != "" {
		v.add("catalog", "%s is also a client zone", cfg.Catalog)
	}
	return cfg, v.err()
}

func (v *validator) listen(field string, addrs []string) {
	if len(addrs) == 0 {
		v.add(field, "at least one address:port is required")
	}
	for i, a := range addrs {
		if _, err := netip.ParseAddrPort(a); err != nil {
			v.add(fmt.Sprintf("%s[%d]", field, i), "%q is not an IP:port (IPv6 as [::1]:53)", a)
		}
	}
}

func (v *validator) control(addr string) {
	if addr == "" {
		return
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		v.add("control", "%q is not an IP:port", addr)
		return
	}
	if !ap.Addr().IsLoopback() {
		v.add("control", "%s is not a loopback address: the control API is for this host only (its token lives in the storage directory); reach it over SSH", addr)
	}
}

func (v *validator) zoneName(field, name string) string {
	if name == "" {
		v.add(field, "required")
		return ""
	}
	if _, ok := dns.IsDomainName(name); !ok {
		v.add(field, "%q is not a domain name", name)
		return ""
	}
	return dns.CanonicalName(name)
}

func (v *validator) shrink(p *float64) float64 {
	if p == nil {
		return 0.5
	}
	if *p <= 0 || *p > 1 {
		v.add("gate.max-shrink", "%v is not a fraction in (0, 1]", *p)
	}
	return *p
}

func (v *validator) duration(field, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		v.add(field, "%q is not a positive duration such as 10s or 5m", s)
		return def
	}
	return d
}

func (v *validator) client(field string, c ClientFile, keys, zones map[string]string) Client {
	out := Client{Name: c.Name}
	if c.Name == "" {
		v.add(field+".name", "required")
	}
	if len(c.Zones) == 0 {
		v.add(field+".zones", "at least one zone is required")
	}
	for i, z := range c.Zones {
		name := v.zoneName(fmt.Sprintf("%s.zones[%d]", field, i), z)
		if owner, dup := zones[name]; dup && name != "" {
			v.add(fmt.Sprintf("%s.zones[%d]", field, i), "%s is already a zone of client %q", name, owner)
		}
		zones[name] = c.Name
		out.Zones = append(out.Zones, name)
	}
	if len(c.Primaries) == 0 {
		v.add(field+".primaries", "at least one primary address is required")
	}
	for i, p := range c.Primaries {
		out.Primaries = append(out.Primaries, v.hostPort(fmt.Sprintf("%s.primaries[%d]", field, i), p))
	}
	out.Key = v.key(field+".tsig", c.TSIG, field, keys)
	return out
}

func (v *validator) node(field string, n NodeFile, keys map[string]string, names map[string]bool) Node {
	if n.Name == "" {
		v.add(field+".name", "required")
	} else if names[n.Name] {
		v.add(field+".name", "node %q is listed twice", n.Name)
	}
	names[n.Name] = true
	return Node{Name: n.Name, Address: v.hostPort(field+".address", n.Address), Key: v.key(field+".tsig", n.TSIG, field, keys)}
}

// hostPort accepts IP or IP:port (port 53 by default).
func (v *validator) hostPort(field, s string) string {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return net.JoinHostPort(a.String(), "53")
	}
	v.add(field, "%q is not an IP address or IP:port", s)
	return ""
}

// key loads a TSIG key; key names must be unique across clients and nodes
// because the hub's server tells peers apart by key name.
func (v *validator) key(field string, spec xfr.KeySpec, owner string, keys map[string]string) *xfr.Key {
	k, err := spec.Load(v.baseDir)
	if err != nil {
		v.add(field, "%v", err)
		return nil
	}
	if other, dup := keys[k.Name]; dup {
		v.add(field+".name", "key %s is already used by %s: every peer needs its own key", k.Name, other)
	}
	keys[k.Name] = owner
	return k
}
