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
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/admin"
	"anycloud/internal/control"
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
	case "remove":
		return runClientRemove(args[1:])
	case "set":
		return runClientSet(args[1:])
	case "cloud-key":
		return runClientCloudKey(args[1:])
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
	fs := newFlagSet("client", "add | remove | set | cloud-key | trial transfer | trial resolve | check | status",
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
  anycloud client add ZONE [ZONE...] --primary ADDR[,ADDR] --pgp-key FILE.asc [--rotate] [--tsig-key FILE | --tsig-key-encrypted FILE.asc] [--out FILE]
  anycloud client add ZONE --restore [--primary ADDR[,ADDR]]
  anycloud client remove ZONE [--json]
  anycloud client set ZONE --primary ADDR[,ADDR] [--json]
  anycloud client cloud-key [--out FILE] [--json]
  anycloud client trial transfer ZONE [--tsig-secret BASE64 | --tsig-key FILE] [--json]
  anycloud client trial resolve ZONE [--json]
  anycloud client check ZONE [transfer|resolve|sync|ns-in-zone|ns-in-parent|all] [--wait DURATION] [--json]
  anycloud client status [ZONE] [--json]
Each runs on the hub's host and finds the hub's control API by itself
(--config or --control otherwise). Trials, checks and status exit 0 when
everything passes, 1 when not (2 on a bad command line). Flags may follow
ZONE and STEP. Prefer --tsig-key FILE to --tsig-secret: a command line is
visible to every user of the host. Several zones in one add share one key
and one bundle. The bundle is signed with the cloud's OpenPGP key, which
'client cloud-key' prints for clients to import. A removed zone keeps its
stored versions and key for onboarding.removal-grace (30 days), during
which 'client add ZONE --restore' brings it back with the same key.`

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
	fs := newFlagSet("client add", "ZONE [ZONE...] --primary ADDR[,ADDR] --pgp-key FILE.asc [--rotate] [--tsig-key FILE | --tsig-key-encrypted FILE.asc] [--out FILE] [--json]",
		"anycloud client add sv. com.sv. gob.sv. --primary 192.0.2.1,2001:db8::1 --pgp-key sv-admin.asc")
	hf := addHubFlags(fs)
	primaries := fs.String("primary", "", "the client's primary server(s), IP or IP:port, comma-separated")
	pgpKey := fs.String("pgp-key", "", "the client's OpenPGP public key (ASCII-armoured); the TSIG key is encrypted to it")
	rotate := fs.Bool("rotate", false, "replace the key of an existing client (give every zone that shares the key)")
	out := fs.String("out", "", "where to write the encrypted key and configuration (default ZONE-anycloud-key.asc, for the first ZONE)")
	name := fs.String("name", "", "the client organisation's name (default: the first zone)")
	adopt := fs.String("tsig-key", "", "adopt the key in FILE (tried with 'client trial transfer --tsig-key') instead of a fresh one")
	encrypted := fs.String("tsig-key-encrypted", "", "adopt the key in FILE.asc, which the client encrypted to the cloud's public key ('anycloud client cloud-key')")
	restore := fs.Bool("restore", false, "bring back a zone removed with 'client remove' within its grace period, with its old key (no new bundle)")
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	var zones []string
	for _, w := range words {
		zones = append(zones, dns.CanonicalName(w))
	}
	if *restore {
		if len(zones) == 0 || *pgpKey != "" || *rotate || *adopt != "" || *encrypted != "" {
			fs.Usage()
			return errUsage
		}
		return restoreClient(hf, zones, splitList(*primaries), *asJSON)
	}
	if len(zones) == 0 || *pgpKey == "" || (*primaries == "" && !*rotate) || (*adopt != "" && *encrypted != "") {
		fs.Usage()
		return errUsage
	}
	path := *out
	if path == "" {
		path = strings.TrimSuffix(zones[0], ".") + "-anycloud-key.asc"
	}
	res, err := addClient(hf, clientAddition{zones: zones, name: *name, primaries: splitList(*primaries), pgpPath: *pgpKey,
		out: path, adopt: *adopt, encrypted: *encrypted, rotate: *rotate})
	if err != nil {
		return err
	}
	if *asJSON {
		printJSON(res)
		return nil
	}
	fmt.Printf("client %s added with key %s; encrypted key and configuration for its primary written to %s (for %s, signed by the cloud's key %s)\n",
		strings.Join(zones, " "), res.KeyName, res.File, strings.Join(res.Recipients, ", "), res.Signer)
	fmt.Println("the client verifies the signature with the cloud's public key ('anycloud client cloud-key')")
	fmt.Println("next: the client installs the configuration, then run 'anycloud client trial transfer " + zones[0] + "'")
	return nil
}

// addResult is what `client add --json` prints: never the secret.
type addResult struct {
	Zone       string                 `json:"zone"`
	Zones      []string               `json:"zones"`
	KeyName    string                 `json:"key_name"`
	File       string                 `json:"file"`
	Recipients []string               `json:"recipients"`
	Signer     string                 `json:"signer"`
	Progress   []admin.ClientProgress `json:"progress"`
}

// clientAddition is one `client add` command line.
type clientAddition struct {
	zones                          []string
	name                           string
	primaries                      []string
	pgpPath, out, adopt, encrypted string
	rotate                         bool
}

// addClient has the hub encrypt and sign the bundle first (a bad OpenPGP
// key changes nothing), writes it to a temporary file, registers the
// client, and only then gives the file its name: the hub and the file
// agree, or neither changed.
func addClient(hf hubFlags, a clientAddition) (*addResult, error) {
	pub, err := os.ReadFile(a.pgpPath)
	if err != nil {
		return nil, err
	}
	ctl, err := hf.dial()
	if err != nil {
		return nil, err
	}
	var settings control.Settings
	if err := ctl.Do(http.MethodGet, "/onboard/settings", nil, &settings); err != nil {
		return nil, err
	}
	zone := a.zones[0]
	key, err := clientKey(ctl, zone, a.adopt, a.encrypted)
	if err != nil {
		return nil, err
	}
	var hubs []netip.AddrPort
	for _, h := range settings.HubAddresses {
		hubs = append(hubs, netip.MustParseAddrPort(h))
	}
	bundle, err := onboard.Bundle(a.zones, key, hubs)
	if err != nil {
		return nil, err
	}
	var sealed control.Sealed
	if err := ctl.Do(http.MethodPost, "/onboard/seal", control.SealRequest{Recipient: string(pub), Plaintext: bundle}, &sealed); err != nil {
		return nil, err
	}
	tmp := a.out + ".tmp"
	if err := os.WriteFile(tmp, []byte(sealed.Message), 0o600); err != nil {
		return nil, err
	}
	req := admin.AddClientRequest{Zone: zone, Zones: a.zones[1:], Client: a.name, Primaries: a.primaries, Rotate: a.rotate,
		Recipient: strings.Join(sealed.Recipients, ","),
		Key:       admin.KeyJSON{Name: key.Name, Algorithm: onboard.AlgorithmName(key), Secret: key.Secret}}
	res := &addResult{Zone: zone, Zones: a.zones, KeyName: key.Name, File: a.out, Recipients: sealed.Recipients, Signer: sealed.Signer}
	if err := ctl.Do(http.MethodPost, "/onboard/clients", req, &res.Progress); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, a.out); err != nil {
		return nil, fmt.Errorf("the client was added but the key file could not be named %s (it is at %s): %w", a.out, tmp, err)
	}
	return res, nil
}

// clientKey is a fresh key, the one in file when adopting, or the one in
// the encrypted file, which the hub opens with the cloud's private key.
func clientKey(ctl *control.Client, zone, file, encrypted string) (*xfr.Key, error) {
	if encrypted != "" {
		data, err := os.ReadFile(encrypted)
		if err != nil {
			return nil, err
		}
		if len(data) > onboard.MaxEncryptedKey {
			return nil, fmt.Errorf("%s is %d bytes, more than a key file needs (%d)", encrypted, len(data), onboard.MaxEncryptedKey)
		}
		var opened control.Opened
		if err := ctl.Do(http.MethodPost, "/onboard/open", control.OpenRequest{Message: string(data)}, &opened); err != nil {
			return nil, fmt.Errorf("%s: %w", encrypted, err)
		}
		k := &admin.KeyJSON{Name: onboard.KeyName(zone), Algorithm: "hmac-sha256"}
		parseKeyText(opened.Plaintext, k)
		if k.Secret == "" {
			return nil, fmt.Errorf("%s holds no TSIG secret", encrypted)
		}
		return k.Key()
	}
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

// restoreClient is `client add ZONE --restore`.
func restoreClient(hf hubFlags, zones, primaries []string, asJSON bool) error {
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var progress []admin.ClientProgress
	req := admin.AddClientRequest{Zone: zones[0], Zones: zones[1:], Primaries: primaries, Restore: true}
	if err := ctl.Do(http.MethodPost, "/onboard/clients", req, &progress); err != nil {
		return err
	}
	if asJSON {
		printJSON(progress)
		return nil
	}
	fmt.Printf("%s restored with the key it had: back in the catalog, served from its stored versions while the hub pulls it again\n", strings.Join(zones, " "))
	return nil
}

// runClientRemove is `client remove ZONE`.
func runClientRemove(args []string) error {
	fs := newFlagSet("client remove", "ZONE [--json]", "anycloud client remove gob.sv.")
	hf := addHubFlags(fs)
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	zone, extra := zoneWord(words)
	if zone == "" || len(extra) > 0 {
		fs.Usage()
		return errUsage
	}
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var rec hub.RemovedZone
	if err := ctl.Do(http.MethodPost, "/onboard/client-remove", control.RemoveClientRequest{Zone: zone}, &rec); err != nil {
		return err
	}
	if *asJSON {
		printJSON(rec)
		return nil
	}
	fmt.Printf("%s removed from the catalog: nodes stop serving it and the hub stops pulling it\n", zone)
	fmt.Printf("its stored versions and key are kept until %s; until then 'anycloud client add %s --restore' brings it back\n",
		rec.PurgeAt.Format(time.RFC3339), zone)
	return nil
}

// runClientSet is `client set ZONE --primary ADDR[,ADDR]`.
func runClientSet(args []string) error {
	fs := newFlagSet("client set", "ZONE --primary ADDR[,ADDR] [--json]", "anycloud client set sv. --primary 192.0.2.2,2001:db8::2")
	hf := addHubFlags(fs)
	primaries := fs.String("primary", "", "the client's new primary server(s), IP or IP:port, comma-separated; the key stays")
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	zone, extra := zoneWord(words)
	if zone == "" || len(extra) > 0 || *primaries == "" {
		fs.Usage()
		return errUsage
	}
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var res control.SetPrimariesResult
	if err := ctl.Do(http.MethodPost, "/onboard/client-primaries", control.SetPrimariesRequest{Zone: zone, Primaries: splitList(*primaries)}, &res); err != nil {
		return err
	}
	if *asJSON {
		printJSON(res)
		return nil
	}
	fmt.Printf("primaries of %s now %s (key unchanged); the hub asks them now\n", strings.Join(res.Zones, " "), strings.Join(res.Primaries, ", "))
	return nil
}

// runClientCloudKey is `client cloud-key`: the cloud's OpenPGP public key,
// for clients to verify bundles and to encrypt their own keys to.
func runClientCloudKey(args []string) error {
	fs := newFlagSet("client cloud-key", "[--out FILE] [--json]", "anycloud client cloud-key --out anycloud-cloud.asc")
	hf := addHubFlags(fs)
	out := fs.String("out", "", "write the public key to FILE instead of standard output")
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		fs.Usage()
		return errUsage
	}
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var info control.CloudKeyInfo
	if err := ctl.Do(http.MethodGet, "/onboard/cloud-key", nil, &info); err != nil {
		return err
	}
	switch {
	case *asJSON:
		printJSON(info)
	case *out != "":
		if err := os.WriteFile(*out, []byte(info.Public), 0o644); err != nil {
			return err
		}
		fmt.Printf("the cloud's OpenPGP public key %s written to %s\n", info.Fingerprint, *out)
	default:
		fmt.Print(info.Public)
	}
	return nil
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
	req := control.CheckRequest{Zone: zone, Step: step}
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
