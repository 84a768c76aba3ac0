package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"anycloud/internal/admin"
	"anycloud/internal/control"
	"anycloud/internal/onboard"
)

// checkUntil runs the check once, or until it passes when wait > 0 (every
// 2 s, bounded by wait).
func checkUntil(ctl *control.Client, req control.CheckRequest, wait time.Duration) ([]*onboard.Report, error) {
	deadline := time.Now().Add(wait)
	for {
		var reports []*onboard.Report
		if err := ctl.Do(http.MethodPost, "/onboard/check", req, &reports); err != nil {
			return nil, err
		}
		if allPass(reports) || time.Now().After(deadline) {
			return reports, nil
		}
		time.Sleep(2 * time.Second)
	}
}

func allPass(reports []*onboard.Report) bool {
	for _, r := range reports {
		if !r.Pass {
			return false
		}
	}
	return len(reports) > 0
}

// trialKey builds the key to try from --tsig-secret or --tsig-key; nil
// when neither is given.
func trialKey(zone, secret, file string) (*admin.KeyJSON, error) {
	if secret != "" && file != "" {
		return nil, fmt.Errorf("give --tsig-secret or --tsig-key, not both")
	}
	k := &admin.KeyJSON{Name: onboard.KeyName(zone), Algorithm: "hmac-sha256", Secret: secret}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		parseKeyText(string(data), k)
	}
	if k.Secret == "" {
		return nil, nil
	}
	if _, err := k.Key(); err != nil {
		return nil, err
	}
	return k, nil
}

// Key files in the forms clients have: a BIND or Knot key clause, the
// decrypted anycloud bundle, or a bare base64 secret.
var (
	keyNameRE   = regexp.MustCompile(`(?m)(?:^key name:\s*|key\s+"|^\s*-?\s*id:\s*)([A-Za-z0-9._-]+)`)
	keyAlgRE    = regexp.MustCompile(`(?m)algorithm:?\s+"?(hmac-sha(?:1|256|384|512))`)
	keySecretRE = regexp.MustCompile(`(?m)secret:?\s+"?([A-Za-z0-9+/=]+)`)
)

func parseKeyText(text string, k *admin.KeyJSON) {
	if m := keyNameRE.FindStringSubmatch(text); m != nil {
		k.Name = m[1]
	}
	if m := keyAlgRE.FindStringSubmatch(text); m != nil {
		k.Algorithm = m[1]
	}
	if m := keySecretRE.FindStringSubmatch(text); m != nil {
		k.Secret = m[1]
		return
	}
	k.Secret = strings.TrimSpace(text)
}

func runClientStatus(args []string) error {
	fs := newFlagSet("client status", "[ZONE] [--json]", "anycloud client status sv.")
	hf := addHubFlags(fs)
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	zone, extra := zoneWord(words)
	if len(extra) > 0 {
		fs.Usage()
		return errUsage
	}
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var progress []admin.ClientProgress
	if err := ctl.Do(http.MethodGet, "/onboard/status?"+url.Values{"zone": {zone}}.Encode(), nil, &progress); err != nil {
		return err
	}
	if zone != "" && len(progress) == 0 {
		return fmt.Errorf("%s is not a client zone of this hub", zone)
	}
	if *asJSON {
		printJSON(progress)
	} else {
		writeProgress(progress)
	}
	for _, p := range progress {
		if !p.Pass {
			return fmt.Errorf("%s: onboarding %w", p.Zone, errFailed)
		}
	}
	return nil
}

func writeProgress(progress []admin.ClientProgress) {
	for _, p := range progress {
		verdict := "complete"
		if !p.Pass {
			verdict = "incomplete"
		}
		fmt.Printf("%s (client %s): onboarding %s\n", p.Zone, p.Client, verdict)
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STEP\tSTATE\tCHECKED\tLAST PASSED\tDETAIL")
		for _, s := range p.Steps {
			detail := s.Detail
			if s.State != "pass" && s.Todo != "" {
				detail = strings.TrimSpace(detail + " -> to do: " + s.Todo)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.State, stamp(s.At), stamp(s.LastPass), detail)
		}
		tw.Flush()
		fmt.Println()
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
