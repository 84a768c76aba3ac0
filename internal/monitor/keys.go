package monitor

import (
	"fmt"
	"path/filepath"

	"anycloud/internal/bearer"

	"anycloud/internal/xfr"
)

// LoadKeys reads the TSIG secrets the configuration names (paths relative
// to baseDir). A standalone monitor needs one for the hub, which answers
// only signed SOA queries; primaries and nodes may want one too.
func (c *Config) LoadKeys(baseDir string) error {
	load := func(what string, spec *xfr.KeySpec) (*xfr.Key, error) {
		if spec == nil {
			return nil, nil
		}
		k, err := spec.Load(baseDir)
		if err != nil {
			return nil, fmt.Errorf("%s tsig: %w", what, err)
		}
		return k, nil
	}
	var err error
	for i := range c.Zones {
		if c.Zones[i].key, err = load("zone "+c.Zones[i].Zone, c.Zones[i].TSIG); err != nil {
			return err
		}
	}
	if c.Hub != nil {
		if c.Hub.key, err = load("hub", c.Hub.TSIG); err != nil {
			return err
		}
	}
	for i := range c.Nodes {
		if c.Nodes[i].key, err = load("node "+c.Nodes[i].Name, c.Nodes[i].TSIG); err != nil {
			return err
		}
	}
	return c.LoadProbeTokens(baseDir)
}

// LoadProbeTokens reads each vantage's token file (relative to baseDir);
// the monitor in the hub calls it with the hub configuration's directory.
func (c *Config) LoadProbeTokens(baseDir string) error {
	for i := range c.Vantages {
		v := &c.Vantages[i]
		if v.TokenFile == "" {
			continue
		}
		path := v.TokenFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(baseDir, path)
		}
		tok, err := bearer.ReadFile(path)
		if err != nil {
			return fmt.Errorf("vantage %s: %w", v.Name, err)
		}
		v.token = tok
	}
	return nil
}
