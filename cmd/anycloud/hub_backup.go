package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"anycloud/internal/bearer"
	"anycloud/internal/hub"
	"anycloud/internal/yamlconf"
)

// runHubBackup asks a running hub for a consistent backup and writes it
// to FILE, mode 0600: it holds every client's and node's TSIG secret.
func runHubBackup(args []string) error {
	fs := newFlagSet("hub backup", "FILE [--config FILE | --control ADDR]", "anycloud hub backup /var/backups/anycloud-hub.tar.gz")
	hf := addHubFlags(fs)
	file, err := parseFileArg(fs, args)
	if err != nil {
		return err
	}
	c, err := hf.dial()
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+c.Addr+"/backup", nil)
	if err != nil {
		return err
	}
	bearer.Set(req, c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("control endpoint %s: %w", c.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("the hub refused: %s", msg)
	}
	// Written beside FILE and renamed once whole, so FILE is never a
	// truncated backup; 0600 from the first byte.
	tmp, err := os.CreateTemp(filepath.Dir(file), ".anycloud-backup-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	n, err := io.Copy(tmp, resp.Body)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup incomplete, nothing written to %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, mode 0600 (it holds every client's and node's TSIG secret: keep it like a key)\n", file, n)
	return nil
}

// runHubRestore puts a backup into the storage directory of a hub that
// is not running and has never run with this storage.
func runHubRestore(args []string) error {
	fs := newFlagSet("hub restore", "FILE --config FILE", "anycloud hub restore anycloud-hub.tar.gz --config /etc/anycloud/hub.yaml")
	config := fs.String("config", defaultHubConfig, "the new hub's configuration file (its storage directory must be fresh)")
	file, err := parseFileArg(fs, args)
	if err != nil {
		return err
	}
	// The storage directory is read without validating the rest: the
	// administered clients and nodes only exist once restored.
	data, err := os.ReadFile(*config)
	if err != nil {
		return err
	}
	var f hub.File
	if err := yamlconf.Decode(data, &f); err != nil {
		return fmt.Errorf("%s: %w", *config, err)
	}
	if f.Storage == "" {
		return errors.New(*config + " names no storage directory")
	}
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	m, err := hub.RestoreBackup(f.Storage, in)
	if err != nil {
		return err
	}
	cfg, err := hub.LoadConfig(*config)
	if err != nil {
		return fmt.Errorf("restored into %s, but the configuration does not load with it: %w", f.Storage, err)
	}
	fmt.Printf("restored the backup of %s into %s: %d clients, %d nodes, %d zones ready to serve; start the hub\n",
		m.Created.Format("2006-01-02 15:04:05 UTC"), f.Storage, len(cfg.Clients), len(cfg.Nodes), len(m.Zones))
	return nil
}

// parseFileArg parses the flags around the one FILE argument, which may
// come first or after the flags; usage when it is missing.
func parseFileArg(fs *flag.FlagSet, args []string) (string, error) {
	file := ""
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if file == "" {
		file = fs.Arg(0)
	}
	if file == "" {
		fs.Usage()
		return "", errUsage
	}
	return file, nil
}
