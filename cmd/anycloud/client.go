package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/miekg/dns"

	"anycloud/internal/hub"
	"anycloud/internal/onboard"
	"anycloud/internal/xfr"
)

func init() {
	register(command{name: "client", summary: "onboard a client ccTLD: key, trials, checks, status (at the hub)", run: runClient})
}

// errFailed makes a check that ran but did not pass exit 1, after its
// report was printed.
var errFailed = errors.New("did not pass")

func runClient(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		return clientHelp(args)
	}
	switch args[0] {
	case "add":
		return runClientAdd(args[1:])
	case "trial":
		if len(args) < 2 || (args[1] != "transfer" && args[1] != "resolve") {
			return clientHelp(nil)
		}
		return runClientCheck("trial "+args[1], args[1], args[2:])
	case "check":
		return runClientCheck("check", "", args[1:])
	case "status":
		return runClientStatus(args[1:])
	}
	return clientHelp(nil)
}

// clientHelp prints the command's usage; with no words it is a usage
// error, with --help an answer.
func clientHelp(args []string) error {
	fs := newFlagSet("client", "add | trial transfer | trial resolve | check | status",
		"anycloud client add sv. --primary 192.0.2.1 --pgp-key sv-admin.asc\n  anycloud client status sv.")
	fs.SetOutput(os.Stdout)
	fs.Usage()
	fmt.Fprintln(os.Stdout, "\n"+clientUsage)
	if len(args) == 0 {
		return errUsage
	}
	return flag.ErrHelp
}

const clientUsage = `commands:
  anycloud client add ZONE --primary ADDR[,ADDR] --pgp-key FILE.asc [--rotate] [--out FILE]
  anycloud client trial transfer ZONE [--tsig-secret BASE64 | --tsig-key FILE] [--json]
  anycloud client trial resolve ZONE [--json]
  anycloud client check ZONE [transfer|resolve|sync|ns-in-zone|ns-in-parent|all] [--wait DURATION] [--json]
  anycloud client status [ZONE] [--json]
Each runs on the hub's host and finds the hub's control API by itself
(--config or --control otherwise). Trials, checks and status exit 0 when
everything passes, 1 when not (2 on a bad command line). Flags may follow
ZONE and STEP. Prefer --tsig-key FILE to --tsig-secret: a command line is
visible to every user of the host.`

// parseWords parses flags that may come before, between or after the
// positional words (ZONE, STEP, NAME) and returns the words, so that
// `client check sv. sync --json` means what it says.
func parseWords(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return words, nil
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// zoneWord returns the first word as a zone name ("" when none) and the
// rest.
func zoneWord(words []string) (string, []string) {
	if len(words) == 0 {
		return "", nil
	}
	return dns.CanonicalName(words[0]), words[1:]
}

func printJSON(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func runClientAdd(args []string) error {
	fs := newFlagSet("client add", "ZONE --primary ADDR[,ADDR] --pgp-key FILE.asc [--rotate] [--out FILE] [--json]",
		"anycloud client add sv. --primary 192.0.2.1,2001:db8::1 --pgp-key sv-admin.asc")
	hf := addHubFlags(fs)
	primaries := fs.String("primary", "", "the client's primary server(s), IP or IP:port, comma-separated")
	pgpKey := fs.String("pgp-key", "", "the client's OpenPGP public key (ASCII-armoured); the TSIG key is encrypted to it")
	rotate := fs.Bool("rotate", false, "replace the key of an existing client")
	out := fs.String("out", "", "where to write the encrypted key and configuration (default ZONE-anycloud-key.asc)")
	name := fs.String("name", "", "the client organisation's name (default: the zone)")
	adopt := fs.String("tsig-key", "", "adopt the key in FILE (tried with 'client trial transfer --tsig-key') instead of a fresh one")
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	zone, extra := zoneWord(words)
	if zone == "" || len(extra) > 0 || *pgpKey == "" || (*primaries == "" && !*rotate) {
		fs.Usage()
		return errUsage
	}
	path := *out
	if path == "" {
		path = strings.TrimSuffix(zone, ".") + "-anycloud-key.asc"
	}
	res, err := addClient(hf, zone, *name, splitList(*primaries), *pgpKey, path, *adopt, *rotate)
	if err != nil {
		return err
	}
	if *asJSON {
		printJSON(res)
		return nil
	}
	fmt.Printf("client %s added with key %s; encrypted key and configuration for its primary written to %s (for %s)\n",
		zone, res.KeyName, res.File, strings.Join(res.Recipients, ", "))
	fmt.Println("next: the client installs the configuration, then run 'anycloud client trial transfer " + zone + "'")
	return nil
}

// addResult is what `client add --json` prints: never the secret.
type addResult struct {
	Zone       string               `json:"zone"`
	KeyName    string               `json:"key_name"`
	File       string               `json:"file"`
	Recipients []string             `json:"recipients"`
	Progress   []hub.ClientProgress `json:"progress"`
}

// addClient encrypts first (a bad OpenPGP key changes nothing), writes the
// bundle to a temporary file, registers the client, and only then gives
// the file its name: the hub and the file agree, or neither changed.
func addClient(hf hubFlags, zone, name string, primaries []string, pgpPath, out, adopt string, rotate bool) (*addResult, error) {
	pub, err := os.ReadFile(pgpPath)
	if err != nil {
		return nil, err
	}
	ctl, err := hf.dial()
	if err != nil {
		return nil, err
	}
	var settings hub.Settings
	if err := ctl.Do(http.MethodGet, "/onboard/settings", nil, &settings); err != nil {
		return nil, err
	}
	key, err := clientKey(zone, adopt)
	if err != nil {
		return nil, err
	}
	var hubs []netip.AddrPort
	for _, a := range settings.HubAddresses {
		hubs = append(hubs, netip.MustParseAddrPort(a))
	}
	bundle, err := onboard.Bundle(zone, key, hubs)
	if err != nil {
		return nil, err
	}
	armored, recipients, err := onboard.EncryptTo(pub, []byte(bundle))
	if err != nil {
		return nil, err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, armored, 0o600); err != nil {
		return nil, err
	}
	req := hub.AddClientRequest{Zone: zone, Client: name, Primaries: primaries, Rotate: rotate, Recipient: strings.Join(recipients, ","),
		Key: hub.KeyJSON{Name: key.Name, Algorithm: onboard.AlgorithmName(key), Secret: key.Secret}}
	res := &addResult{Zone: zone, KeyName: key.Name, File: out, Recipients: recipients}
	if err := ctl.Do(http.MethodPost, "/onboard/clients", req, &res.Progress); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("the client was added but the key file could not be named %s (it is at %s): %w", out, tmp, err)
	}
	return res, nil
}

// clientKey is a fresh key, or the one in file when adopting.
func clientKey(zone, file string) (*xfr.Key, error) {
	if file == "" {
		return onboard.NewKey(zone)
	}
	k, err := trialKey(zone, "", file)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, fmt.Errorf("%s holds no TSIG secret", file)
	}
	return k.Key()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runClientCheck runs trials (step fixed) and checks (step from the
// arguments, default all).
func runClientCheck(name, step string, args []string) error {
	fs := newFlagSet("client "+name, "ZONE [STEP] [--json] [--wait DURATION] [--tsig-secret BASE64 | --tsig-key FILE]",
		"anycloud client "+name+" sv.")
	hf := addHubFlags(fs)
	asJSON := fs.Bool("json", false, "machine-readable output")
	secret := fs.String("tsig-secret", "", "try this base64 secret (with the zone's key name) instead of the configured key; nothing is recorded")
	keyFile := fs.String("tsig-key", "", "try the key in FILE (BIND/Knot key clause, the decrypted bundle, or a bare base64 secret); nothing is recorded")
	wait := fs.Duration("wait", 0, "repeat until every check passes or this long has passed")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	zone, extra := zoneWord(words)
	if step == "" && len(extra) > 0 {
		step, extra = extra[0], extra[1:]
	}
	if step == "" {
		step = "all"
	}
	if zone == "" || len(extra) > 0 {
		fs.Usage()
		return errUsage
	}
	req := hub.CheckRequest{Zone: zone, Step: step}
	trial, err := trialKey(zone, *secret, *keyFile)
	if err != nil {
		return err
	}
	req.Key = trial
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	reports, err := checkUntil(ctl, req, *wait)
	if err != nil {
		return err
	}
	return printReports(zone, reports, *asJSON)
}

func printReports(zone string, reports []*onboard.Report, asJSON bool) error {
	pass := len(reports) > 0
	for _, r := range reports {
		pass = pass && r.Pass
	}
	if asJSON {
		printJSON(reports)
	} else {
		for _, r := range reports {
			r.WriteText(os.Stdout)
			fmt.Println()
		}
	}
	if !pass {
		return fmt.Errorf("%s: %w", zone, errFailed)
	}
	return nil
}
