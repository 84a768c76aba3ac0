package main

import (
	"errors"
	"flag"
	"os"

	"anycloud/internal/hub"
)

// defaultHubConfig is where a packaged hub keeps its configuration.
const defaultHubConfig = "/etc/anycloud/hub.yaml"

// hubFlags are how client and node administration commands find the
// hub's control API: --control, else the control address of --config (or
// of /etc/anycloud/hub.yaml when it exists), else the default loopback
// address. The token comes from the hub's storage directory, so on the
// hub's host no flag is needed.
type hubFlags struct {
	config, control *string
}

func addHubFlags(fs *flag.FlagSet) hubFlags {
	return hubFlags{
		config:  fs.String("config", "", "hub configuration file, to find the control address (default "+defaultHubConfig+" if present)"),
		control: fs.String("control", "", "hub control address (default: from the configuration, else "+hub.DefaultControl+")"),
	}
}

func (f hubFlags) dial() (*hub.Control, error) {
	addr, err := f.addr()
	if err != nil {
		return nil, err
	}
	return hub.DialControl(addr)
}

func (f hubFlags) addr() (string, error) {
	if *f.control != "" {
		return *f.control, nil
	}
	path := *f.config
	if path == "" {
		if _, err := os.Stat(defaultHubConfig); err != nil {
			return hub.DefaultControl, nil
		}
		path = defaultHubConfig
	}
	cfg, err := hub.LoadConfig(path)
	if err != nil {
		return "", err
	}
	if cfg.Control == "" {
		return "", errors.New(path + " has no 'control:' address")
	}
	return cfg.Control, nil
}
