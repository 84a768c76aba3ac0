package onboard

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

// TestRealGPGDecryptsTheBundle: a throwaway key in a temporary GNUPGHOME,
// the bundle encrypted to its public half with go-crypto, and the real
// gpg decrypts it back to the same text (the key and every snippet).
func TestRealGPGDecryptsTheBundle(t *testing.T) {
	testenv.RequireCommand(t, "gpg")
	home := t.TempDir()
	gpg := func(stdin []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
		}
		return out.Bytes()
	}
	gpg(nil, "--quick-generate-key", "sv admin <hostmaster@sv.example>", "default", "default", "never")
	pub := gpg(nil, "--armor", "--export", "hostmaster@sv.example")

	key, err := NewKey("sv.")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := Bundle([]string{"sv."}, key, []netip.AddrPort{netip.MustParseAddrPort("203.0.113.66:53")})
	if err != nil {
		t.Fatal(err)
	}
	armored, recipients, err := EncryptTo(pub, []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(armored, []byte("-----BEGIN PGP MESSAGE-----")) || bytes.Contains(armored, []byte(key.Secret)) {
		t.Fatalf("not an armoured message, or the secret shows in clear:\n%s", armored)
	}
	if len(recipients) != 1 || len(recipients[0]) != 40 {
		t.Errorf("recipients %v, want one v4 fingerprint", recipients)
	}
	file := filepath.Join(t.TempDir(), "sv-anycloud-key.asc")
	os.WriteFile(file, armored, 0o600)
	plain := gpg(nil, "--decrypt", file)
	if string(plain) != bundle {
		t.Fatalf("gpg decrypted something else:\n%s", plain)
	}
	for _, want := range []string{"secret:    " + key.Secret, `allow-transfer { key "sv-anycloud."; }`, "provide-xfr: 203.0.113.66 sv-anycloud.", "TSIG-ALLOW-AXFR"} {
		if !strings.Contains(string(plain), want) {
			t.Errorf("decrypted bundle lacks %q", want)
		}
	}
}

func TestEncryptToRejectsWhatIsNotAKey(t *testing.T) {
	for _, in := range []string{"", "not a key", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n"} {
		if _, _, err := EncryptTo([]byte(in), []byte("x")); err == nil {
			t.Errorf("EncryptTo(%q) succeeded", in)
		}
	}
}
