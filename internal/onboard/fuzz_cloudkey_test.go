package onboard

import (
	"testing"
)

// FuzzCloudKeyOpen: the encrypted key a client sends (`client add
// --tsig-key-encrypted`) is outside input; Open never panics and never
// returns more than MaxEncryptedKey bytes.
func FuzzCloudKeyOpen(f *testing.F) {
	cloud, err := NewCloudKey("fuzz cloud")
	if err != nil {
		f.Fatal(err)
	}
	pub, _ := cloud.ArmoredPublic()
	sealed, _, _ := EncryptSigned(pub, []byte("secret: c2VjcmV0\n"), cloud)
	f.Add(sealed)
	f.Add([]byte("-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----\n"))
	f.Add([]byte{0xc1, 0x0c, 0x03})
	f.Fuzz(func(t *testing.T, msg []byte) {
		plain, err := cloud.Open(msg)
		if err == nil && len(plain) > MaxEncryptedKey {
			t.Fatalf("%d bytes returned", len(plain))
		}
	})
}
