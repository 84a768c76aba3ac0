package cloud

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"anycloud/internal/lab"
	"anycloud/internal/onboard"
)

// onboardCommands onboard every sample client through the same commands
// an operator uses: `anycloud client add` (adopting the key the lab gave
// the Knot primary, encrypted to the lab's own OpenPGP key) and `anycloud
// client check ZONE all --wait`, all zones at once. The first runs while
// the lab starts (nodes announce only once they serve a zone); the second
// makes `lab up` wait until `anycloud client status` passes for all.
func (c *Cloud) onboardCommands(plan *lab.Plan, dir string) ([]lab.Command, error) {
	pub, err := labPGPKey(filepath.Join(filepath.Dir(dir), "keys"))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# Onboards the lab's sample clients through the CLI. Generated.\n")
	// The CLI finds the control address and token through the hub's
	// configuration (never from the server), as on a packaged hub.
	hubConf := filepath.Join(dir, "hub.yaml")
	fmt.Fprintf(&b, "# Wait for the hub's control API (an empty client list passes).\nfor i in $(seq 100); do %s client status --config %s >/dev/null 2>&1 && break; sleep 0.2; done\n", c.Exe, hubConf)
	b.WriteString("rc=0\npids=\n")
	for _, p := range hostsWithRole(plan, lab.RolePrimary) {
		zone := zoneOf(p)
		key, err := keyFile(dir, clientKeyName(zone))
		if err != nil {
			return nil, err
		}
		bare := strings.TrimSuffix(zone, ".")
		fmt.Fprintf(&b, "( %[1]s client add %[2]s --config %[8]s --primary %[3]s --pgp-key %[4]s --tsig-key %[5]s --out %[6]s/%[7]s-anycloud-key.asc && "+
			"%[1]s client check %[2]s all --config %[8]s --wait 100s ) > %[6]s/onboard-%[7]s.log 2>&1 &\npids=\"$pids $!\"\n",
			c.Exe, zone, hostPort(v4(p), dnsPort), pub, key, dir, bare, hubConf)
	}
	b.WriteString("for p in $pids; do wait $p || rc=1; done\nexit $rc\n")
	script := filepath.Join(dir, "onboard.sh")
	if err := os.WriteFile(script, []byte(b.String()), 0o755); err != nil {
		return nil, err
	}
	wait := fmt.Sprintf("for i in $(seq 60); do %[1]s client status --config %[3]s >/dev/null 2>&1 && exit 0; sleep 1; done; %[1]s client status --config %[3]s; cat %[2]s/onboard-*.log; exit 1", c.Exe, dir, hubConf)
	return []lab.Command{
		{Name: "onboard", Argv: []string{"sh", script}},
		{Name: "onboarded", Argv: []string{"sh", "-c", wait}, AfterServed: true, Wait: true},
	}, nil
}

// labPGPKey returns the lab client's OpenPGP public key file, creating the
// pair on first use; the secret half (0600) lets a person decrypt the
// bundles with `gpg --import` in the lab.
func labPGPKey(dir string) (string, error) {
	pubPath := filepath.Join(dir, "lab-client.asc")
	if _, err := os.Stat(pubPath); err == nil {
		return pubPath, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	e, err := openpgp.NewEntity("anycloud lab client", "", "hostmaster@lab.anycloud", nil)
	if err != nil {
		return "", err
	}
	pub, err := onboard.Armor(openpgp.PublicKeyType, e.Serialize)
	if err != nil {
		return "", err
	}
	priv, err := onboard.Armor(openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, nil) })
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "lab-client-secret.asc"), priv, 0o600); err != nil {
		return "", err
	}
	return pubPath, os.WriteFile(pubPath, pub, 0o644)
}
