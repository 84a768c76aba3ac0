package monitor

import (
	"anycloud/internal/bearer"
	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// LoadKeys reads the TSIG secrets the configuration names (paths relative
// to baseDir). A standalone monitor needs one for the hub, which answers
// only signed SOA queries; primaries and nodes may want one too.
func (c *Config) LoadKeys(baseDir string) error {
	var p yamlconf.Problems
	c.CheckKeys(&p, baseDir)
	return p.Err()
}

// CheckKeys loads the TSIG keys and the vantages' tokens (LoadKeys),
// reporting every one that cannot be read through p.
func (c *Config) CheckKeys(p *yamlconf.Problems, baseDir string) {
	load := func(field string, spec *xfr.KeySpec) *xfr.Key {
		if spec == nil {
			return nil
		}
		return spec.Check(p.In(field), baseDir)
	}
	for i := range c.Zones {
		c.Zones[i].key = load(yamlconf.Index("zones", i)+".tsig", c.Zones[i].TSIG)
	}
	if c.Hub != nil {
		c.Hub.key = load("hub.tsig", c.Hub.TSIG)
	}
	for i := range c.Nodes {
		c.Nodes[i].key = load(yamlconf.Index("nodes", i)+".tsig", c.Nodes[i].TSIG)
	}
	c.CheckProbeTokens(p, baseDir)
}

// CheckProbeTokens reads each vantage's token file (relative to baseDir),
// reporting every one that cannot be read through p; a vantage without
// one has its reports refused.
func (c *Config) CheckProbeTokens(p *yamlconf.Problems, baseDir string) {
	for i := range c.Vantages {
		v := &c.Vantages[i]
		if v.TokenFile == "" {
			continue
		}
		tok, err := bearer.ReadFile(yamlconf.Resolve(baseDir, v.TokenFile))
		if err != nil {
			p.Add(yamlconf.Index("vantages", i)+".token-file", "%v", err)
			continue
		}
		v.token = tok
	}
}
