package main

import (
	"errors"
	"flag"
	"os"

	"anycloud/internal/control"
	"anycloud/internal/hub"
)

// defaultHubConfig is where a packaged hub keeps its configuration.
const defaultHubConfig = "/etc/anycloud/hub.yaml"

// hubConfigEnv names a hub configuration for commands given no --config
// (the lab sets it in the hub's namespace).
const hubConfigEnv = "ANYCLOUD_HUB_CONFIG"

// hubFlags are how client and node administration commands find the
// hub's control API: --control, else the control address of --config (or
// of $ANYCLOUD_HUB_CONFIG, or of /etc/anycloud/hub.yaml when it exists),
// else the default loopback address. The token file is --token-file, else the one in the storage
// directory of that configuration, else the packaged hub's; never one the
// server names (whoever holds the port could name any file).
type hubFlags struct {
	config, control, tokenFile *string
}

func addHubFlags(fs *flag.FlagSet) hubFlags {
	return hubFlags{
		config:    fs.String("config", "", "hub configuration file, to find the control address and token (default "+defaultHubConfig+" if present)"),
		control:   fs.String("control", "", "hub control address (default: from the configuration, else "+control.DefaultAddr+")"),
		tokenFile: fs.String("token-file", "", "the hub's control token (default: control.token in the configuration's storage, else "+control.DefaultTokenFile+")"),
	}
}

func (f hubFlags) dial() (*control.Client, error) {
	addr, token, err := hubTarget(*f.config, *f.control, *f.tokenFile)
	if err != nil {
		return nil, err
	}
	return control.Dial(addr, token)
}

// hubTarget resolves the control address and the token file from the
// command line and the local hub configuration (configPath, else
// /etc/anycloud/hub.yaml when it exists).
func hubTarget(configPath, controlAddr, tokenFile string) (addr, token string, err error) {
	addr, token = controlAddr, tokenFile
	if addr != "" && token != "" {
		return addr, token, nil
	}
	if configPath == "" {
		configPath = os.Getenv(hubConfigEnv)
	}
	if configPath == "" {
		if _, err := os.Stat(defaultHubConfig); err != nil {
			if addr == "" {
				addr = control.DefaultAddr
			}
			if token == "" {
				token = control.DefaultTokenFile
			}
			return addr, token, nil
		}
		configPath = defaultHubConfig
	}
	cfg, err := hub.LoadConfig(configPath)
	if err != nil {
		return "", "", err
	}
	if addr == "" {
		if addr = cfg.Control; addr == "" {
			return "", "", errors.New(configPath + " has no 'control:' address")
		}
	}
	if token == "" {
		token = control.TokenFile(cfg)
	}
	return addr, token, nil
}
