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
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// gpgIn runs the real gpg with a throwaway home; it returns stdout and
// stderr (gpg reports signatures on stderr).
func gpgIn(t *testing.T, home string, stdin []byte, args ...string) ([]byte, string) {
	t.Helper()
	cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes(), errb.String()
}

// TestRealGPGVerifiesTheCloudSignature: the bundle is signed by the
// cloud's key; a client that imported the cloud's public key decrypts it
// with the real gpg and gpg reports a good signature by that key. A
// bundle signed by another key is reported as such: gpg checks the
// signature, not merely its presence.
func TestRealGPGVerifiesTheCloudSignature(t *testing.T) {
	testenv.RequireCommand(t, "gpg")
	home := t.TempDir()
	gpgIn(t, home, nil, "--quick-generate-key", "sv admin <hostmaster@sv.example>", "default", "default", "never")
	pub, _ := gpgIn(t, home, nil, "--armor", "--export", "hostmaster@sv.example")
	cloud, err := NewCloudKey("anycloud test cloud")
	if err != nil {
		t.Fatal(err)
	}
	cloudPub, _ := cloud.ArmoredPublic()
	// The cloud key is minutes old at most: a clock step between its
	// creation and the import would make gpg skip it as "created in the
	// future", which a real client, importing it later, never sees.
	_, imported := gpgIn(t, home, cloudPub, "--ignore-time-conflict", "--status-fd", "2", "--import")
	if !strings.Contains(imported, "[GNUPG:] IMPORT_OK") {
		t.Fatalf("gpg did not import the cloud's key:\n%s", imported)
	}

	key, _ := NewKey("sv.")
	bundle, err := Bundle([]string{"sv.", "com.sv."}, key, []netip.AddrPort{netip.MustParseAddrPort("203.0.113.66:53")})
	if err != nil {
		t.Fatal(err)
	}
	sealed, _, err := EncryptSigned(pub, []byte(bundle), cloud)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sv-anycloud-key.asc")
	os.WriteFile(file, sealed, 0o600)
	plain, report := gpgIn(t, home, nil, "--ignore-time-conflict", "--status-fd", "2", "--decrypt", file)
	if string(plain) != bundle {
		t.Fatalf("gpg decrypted something else:\n%s", plain)
	}
	if !strings.Contains(report, "[GNUPG:] GOODSIG") || !strings.Contains(report, "[GNUPG:] VALIDSIG "+cloud.Fingerprint()) {
		t.Fatalf("gpg did not report a good signature by the cloud's key %s:\n%s", cloud.Fingerprint(), report)
	}
	for _, want := range []string{`zone "sv" {`, `zone "com.sv" {`, "  - domain: com.sv.", "set-meta com.sv. TSIG-ALLOW-AXFR"} {
		if !strings.Contains(bundle, want) {
			t.Errorf("the bundle for two zones lacks %q", want)
		}
	}

	// Unsigned, gpg says nothing of a signature: the check above is real.
	plainOnly, _, _ := EncryptTo(pub, []byte(bundle))
	os.WriteFile(file, plainOnly, 0o600)
	if _, report := gpgIn(t, home, nil, "--status-fd", "2", "--decrypt", file); strings.Contains(report, "GOODSIG") {
		t.Fatalf("gpg reports a signature on an unsigned bundle:\n%s", report)
	}
}

// TestCloudKeyOpensWhatGPGEncrypted: a client encrypts its TSIG key file
// to the cloud's public key with the real gpg; the cloud's key opens it.
// The stored private key reads back as the same key.
func TestCloudKeyOpensWhatGPGEncrypted(t *testing.T) {
	testenv.RequireCommand(t, "gpg")
	cloud, _ := NewCloudKey("anycloud test cloud")
	priv, _ := cloud.ArmoredPrivate()
	again, err := ReadCloudKey(priv)
	if err != nil || again.Fingerprint() != cloud.Fingerprint() {
		t.Fatalf("stored key reads back as %v, %v", again, err)
	}
	home := t.TempDir()
	pub, _ := cloud.ArmoredPublic()
	gpgIn(t, home, pub, "--import")
	keyText := "key \"sv-anycloud.\" {\n  algorithm hmac-sha256;\n  secret \"c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk=\";\n};\n"
	enc, _ := gpgIn(t, home, []byte(keyText), "--armor", "--trust-model", "always", "--encrypt", "--recipient", cloud.Fingerprint())
	plain, err := again.Open(enc)
	if err != nil || string(plain) != keyText {
		t.Fatalf("Open: %q, %v", plain, err)
	}
	if _, err := again.Open([]byte(keyText)); err == nil {
		t.Error("a clear key file was taken as encrypted")
	}
}

// TestCloudKeyOpenIsBounded: a message that decompresses past
// MaxEncryptedKey is refused, and so is one larger than that to begin
// with; without the bounds the first would return 4 MiB.
func TestCloudKeyOpenIsBounded(t *testing.T) {
	// A key that invites compression, as gpg's keys do.
	zlib := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, DefaultCompressionAlgo: packet.CompressionZLIB,
		CompressionConfig: &packet.CompressionConfig{Level: 9}}
	e, err := openpgp.NewEntity("anycloud test cloud", "", "", zlib)
	if err != nil {
		t.Fatal(err)
	}
	cloud := &CloudKey{entity: e}
	pub, _ := cloud.ArmoredPublic()
	ring, _ := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	var buf bytes.Buffer
	aw, _ := armor.Encode(&buf, "PGP MESSAGE", nil)
	w, err := openpgp.Encrypt(aw, ring, nil, nil, zlib)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 4<<20))
	w.Close()
	aw.Close()
	if buf.Len() > MaxEncryptedKey {
		t.Fatalf("the compressed bomb is %d bytes: the test needs it under the input bound", buf.Len())
	}
	if plain, err := cloud.Open(buf.Bytes()); err == nil {
		t.Fatalf("4 MiB of plaintext accepted (%d bytes returned)", len(plain))
	}
	if _, err := cloud.Open(make([]byte, MaxEncryptedKey+1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("an oversized message: %v", err)
	}
}
