package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"anycloud/internal/admin"
	"anycloud/internal/onboard"
)

// runCaptured runs the CLI with args and returns what it printed on
// standard output and its exit code.
func runCaptured(t *testing.T, args ...string) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	code := run(context.Background(), args)
	w.Close()
	os.Stdout = saved
	return <-done, code
}

// clientPGP makes a client's OpenPGP key pair: the public half as the
// file `client add --pgp-key` takes, the entity to decrypt with.
func clientPGP(t *testing.T) (string, openpgp.EntityList) {
	t.Helper()
	e, err := openpgp.NewEntity("sv admin", "", "hostmaster@sv.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	path := filepath.Join(t.TempDir(), "client.asc")
	os.WriteFile(path, buf.Bytes(), 0o644)
	return path, openpgp.EntityList{e}
}

// decryptSecret opens a bundle with the client's private key and returns
// the TSIG secret in it.
func decryptSecret(t *testing.T, ring openpgp.EntityList, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block, err := armor.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	md, err := openpgp.ReadMessage(block.Body, ring, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(md.UnverifiedBody)
	m := regexp.MustCompile(`(?m)^secret:\s+(\S+)$`).FindStringSubmatch(string(plain))
	if m == nil {
		t.Fatalf("no secret in the bundle:\n%s", plain)
	}
	return m[1]
}

// TestClientCommands: `client add` against a running hub writes the
// encrypted bundle (0600) and never prints the secret; adding again needs
// --rotate, which changes the secret at the hub too; status, trials and
// checks exit 1 while a step fails, with flags after ZONE and STEP; bad
// command lines exit 2, unknown zones 1.
func TestClientCommands(t *testing.T) {
	_, control, storage := startTestHubIn(t)
	pub, ring := clientPGP(t)
	bundle := filepath.Join(t.TempDir(), "example-anycloud-key.asc")
	add := []string{"client", "add", "example.", "--primary", "127.0.0.1:1", "--pgp-key", pub, "--out", bundle, "--control", control, "--json"}
	out, code := runCaptured(t, add...)
	if code != 0 {
		t.Fatalf("client add exited %d:\n%s", code, out)
	}
	var res addResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.KeyName != "example-anycloud." || len(res.Recipients) != 1 || len(res.Progress) != 1 {
		t.Fatalf("client add --json: %v\n%s", err, out)
	}
	secret := decryptSecret(t, ring, bundle)
	keyFile := filepath.Join(storage, "admin", "keys", "example-anycloud.key")
	for _, f := range []string{bundle, keyFile} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, st, err)
		}
	}
	if held, _ := os.ReadFile(keyFile); strings.TrimSpace(string(held)) != secret || strings.Contains(out, secret) {
		t.Errorf("the hub holds another secret than the bundle, or client add printed it")
	}

	if _, code := runCaptured(t, add...); code != 1 {
		t.Errorf("adding the client again without --rotate exited %d, want 1", code)
	}
	if out, code := runCaptured(t, append(add, "--rotate")...); code != 0 {
		t.Fatalf("client add --rotate exited %d:\n%s", code, out)
	}
	rotated := decryptSecret(t, ring, bundle)
	if held, _ := os.ReadFile(keyFile); rotated == secret || strings.TrimSpace(string(held)) != rotated {
		t.Errorf("--rotate: the secret did not change, or the hub did not adopt the new one")
	}

	out, code = runCaptured(t, "client", "status", "example.", "--control", control, "--json")
	var progress []admin.ClientProgress
	if err := json.Unmarshal([]byte(out), &progress); err != nil || code != 1 || len(progress) != 1 || len(progress[0].Steps) != len(onboard.Steps) ||
		progress[0].Steps[0].State != "pass" || progress[0].Steps[1].State != "pending" ||
		!strings.Contains(progress[0].Steps[1].Todo, "anycloud client trial transfer example.") {
		t.Errorf("status of a new client: exit %d, %v\n%s", code, err, out)
	}
	out, code = runCaptured(t, "client", "check", "example.", "transfer", "--json", "--control", control)
	var reports []*onboard.Report
	if err := json.Unmarshal([]byte(out), &reports); err != nil || code != 1 || len(reports) != 1 || reports[0].Pass ||
		!strings.Contains(reports[0].Reason, "refused the connection") {
		t.Errorf("transfer check against a closed port: exit %d, %v\n%s", code, err, out)
	}
	out, _ = runCaptured(t, "client", "status", "example.", "--control", control)
	if !regexp.MustCompile(`(?m)^transfer\s+fail\s+20\d\d-`).MatchString(out) || !strings.Contains(out, "refused the connection") {
		t.Errorf("status does not show the failed transfer with its time and reason:\n%s", out)
	}

	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"client", "status", "nosuch.", "--control", control}, 1},
		{[]string{"client", "trial", "transfer", "example.", "--tsig-secret", "c2VjcmV0", "--tsig-key", bundle, "--control", control}, 1},
		{[]string{"client", "trial", "transfer", "example.", "--tsig-secret", "not base64!", "--control", control}, 1},
		{[]string{"client", "check", "example.", "sync", "extra", "--control", control}, 2},
		{[]string{"client", "add", "example.", "--control", control}, 2},
		{[]string{"client", "trial", "nosuch", "example."}, 2},
		{[]string{"node", "drain", "a", "b", "--control", control}, 2},
	} {
		if _, code := runCaptured(t, tc.args...); code != tc.want {
			t.Errorf("anycloud %s exited %d, want %d", strings.Join(tc.args, " "), code, tc.want)
		}
	}
}
