package onboard

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzEncryptTo: the client's OpenPGP public key is outside input (`client
// add --pgp-key FILE`); no file panics the encryption, and a key that is
// accepted yields an armoured message.
func FuzzEncryptTo(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "fuzz-seed-pub.asc")) // gpg --quick-generate-key, public half
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	f.Add([]byte("not a key"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, key []byte) {
		out, fps, err := EncryptTo(key, []byte("c2VjcmV0"))
		if err != nil {
			return
		}
		if len(fps) == 0 || !bytes.HasPrefix(out, []byte("-----BEGIN PGP MESSAGE-----")) {
			t.Fatalf("accepted key gave %d fingerprints and %q", len(fps), out)
		}
	})
}
