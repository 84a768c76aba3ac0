package hub

import (
	"time"

	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// validator checks a file with its problems collector (yamlconf): every
// problem is reported at once, each at its key's path.
type validator struct {
	*yamlconf.Problems
	baseDir string
}

func (f *File) validate(baseDir string) (*Config, error) {
	v := &validator{Problems: &yamlconf.Problems{}, baseDir: baseDir}
	cfg := &Config{Listen: f.Listen, Control: f.Control, Storage: f.Storage}
	v.Listen("listen", f.Listen)
	v.Loopback("control", f.Control, "the control API is for this host only (its token lives in the storage directory); reach it over SSH")
	if f.Storage == "" {
		v.Add("storage", "required: the directory where accepted versions are kept")
	}
	cfg.Catalog = v.zoneName("catalog", f.Catalog)
	cfg.MaxShrink = v.shrink(f.Gate.MaxShrink)
	cfg.EngineCheck = f.Gate.EngineCheck == nil || *f.Gate.EngineCheck
	cfg.Timeout = v.Duration("timeouts.transfer", f.Timeouts.Transfer, 10*time.Second)
	cfg.MinRefresh = v.Duration("timeouts.min-refresh", f.Timeouts.MinRefresh, 5*time.Second)
	cfg.MaxRefresh = v.Duration("timeouts.max-refresh", f.Timeouts.MaxRefresh, 24*time.Hour)
	v.limits(f.Limits, cfg)
	cfg.TCP = f.TCP.Limits(DefaultTCP, v.In("tcp").Add)
	keys := map[string]string{}
	zones := map[string]string{}
	for i, c := range f.Clients {
		c := v.client(yamlconf.Index("clients", i), c, keys, zones)
		c.Size = v.clientLimits(yamlconf.Index("clients", i)+".limits", f.Clients[i].Limits, cfg.Size)
		cfg.Clients = append(cfg.Clients, c)
	}
	names := map[string]bool{}
	for i, n := range f.Nodes {
		cfg.Nodes = append(cfg.Nodes, v.node(yamlconf.Index("nodes", i), n, keys, names))
	}
	cfg.Monitor = v.monitorSection(f.Monitor, keys, cfg.Nodes)
	cfg.Onboarding = v.onboarding(f.Onboarding, f.Listen)
	cfg.Replication = v.replication(f.Replication)
	// A hub set up for onboarding may start empty: clients come with
	// `anycloud client add`.
	if len(f.Clients) == 0 && len(f.Onboarding.Nameservers) == 0 {
		v.Add("clients", "at least one client is required")
	}
	if _, clash := zones[cfg.Catalog]; clash && cfg.Catalog != "" {
		v.Add("catalog", "%s is also a client zone", cfg.Catalog)
	}
	return cfg, v.Err()
}

func (v *validator) zoneName(field, name string) string {
	if name == "" {
		v.Add(field, "required")
		return ""
	}
	return v.DomainName(field, name)
}

func (v *validator) shrink(p *float64) float64 {
	if p == nil {
		return 0.5
	}
	if *p <= 0 || *p > 1 {
		v.Add("gate.max-shrink", "%v is not a fraction in (0, 1]", *p)
	}
	return *p
}

func (v *validator) client(field string, c ClientFile, keys, zones map[string]string) Client {
	out := Client{Name: c.Name}
	if c.Name == "" {
		v.Add(field+".name", "required")
	}
	if len(c.Zones) == 0 {
		v.Add(field+".zones", "at least one zone is required")
	}
	for i, z := range c.Zones {
		name := v.zoneName(yamlconf.Index(field+".zones", i), z)
		if owner, dup := zones[name]; dup && name != "" {
			v.Add(yamlconf.Index(field+".zones", i), "%s is already a zone of client %q", name, owner)
		}
		zones[name] = c.Name
		out.Zones = append(out.Zones, name)
	}
	if len(c.Primaries) == 0 {
		v.Add(field+".primaries", "at least one primary address is required")
	}
	for i, p := range c.Primaries {
		out.Primaries = append(out.Primaries, v.HostPort(yamlconf.Index(field+".primaries", i), p, 53))
	}
	out.Key = v.key(field+".tsig", c.TSIG, field, keys)
	return out
}

func (v *validator) node(field string, n NodeFile, keys map[string]string, names map[string]bool) Node {
	if n.Name == "" {
		v.Add(field+".name", "required")
	} else if names[n.Name] {
		v.Add(field+".name", "node %q is listed twice", n.Name)
	}
	names[n.Name] = true
	return Node{Name: n.Name, Address: v.HostPort(field+".address", n.Address, 53), Key: v.key(field+".tsig", n.TSIG, field, keys)}
}

// key loads a TSIG key; key names must be unique across clients and nodes
// because the hub's server tells peers apart by key name.
func (v *validator) key(field string, spec xfr.KeySpec, owner string, keys map[string]string) *xfr.Key {
	k := spec.Check(v.In(field), v.baseDir)
	if k == nil {
		return nil
	}
	if other, dup := keys[k.Name]; dup {
		v.Add(field+".name", "key %s is already used by %s: every peer needs its own key", k.Name, other)
	}
	keys[k.Name] = owner
	return k
}
