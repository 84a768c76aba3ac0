package onboard

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// MaxEncryptedKey bounds a client's encrypted TSIG key (`client add
// --tsig-key-encrypted`), before and after decryption: a key file is a few
// hundred bytes, and a compressed OpenPGP message could otherwise expand
// without end.
const MaxEncryptedKey = 64 << 10

// CloudKey is the cloud's own OpenPGP key: it signs every client bundle,
// so the client can tell it came from the cloud, and decrypts the TSIG
// keys clients encrypt to it.
type CloudKey struct{ entity *openpgp.Entity }

// NewCloudKey makes an Ed25519 signing key with a Curve25519 encryption
// subkey (small, fast, read by gpg 2.2 and later) named after the cloud.
func NewCloudKey(name string) (*CloudKey, error) {
	e, err := openpgp.NewEntity(name, "anycloud signing key", "", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		return nil, fmt.Errorf("making the cloud's OpenPGP key: %w", err)
	}
	return &CloudKey{entity: e}, nil
}

// ReadCloudKey reads an ASCII-armoured OpenPGP private key (not protected
// by a passphrase: the hub must use it unattended).
func ReadCloudKey(armored []byte) (*CloudKey, error) {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("reading the cloud's OpenPGP key: %w", err)
	}
	if len(ring) != 1 || ring[0].PrivateKey == nil {
		return nil, errors.New("the cloud's OpenPGP key file must hold exactly one private key")
	}
	if ring[0].PrivateKey.Encrypted {
		return nil, errors.New("the cloud's OpenPGP private key is protected by a passphrase; the hub needs it without one (keep the file 0600)")
	}
	return &CloudKey{entity: ring[0]}, nil
}

// Fingerprint is the primary key's fingerprint in hex.
func (k *CloudKey) Fingerprint() string { return fmt.Sprintf("%X", k.entity.PrimaryKey.Fingerprint) }

// ArmoredPrivate is the key to store (0600).
func (k *CloudKey) ArmoredPrivate() ([]byte, error) {
	return Armor(openpgp.PrivateKeyType, func(w io.Writer) error { return k.entity.SerializePrivate(w, nil) })
}

// ArmoredPublic is what clients import to verify bundles and to encrypt
// their own keys to the cloud.
func (k *CloudKey) ArmoredPublic() ([]byte, error) {
	return Armor(openpgp.PublicKeyType, k.entity.Serialize)
}

// Armor is what write writes, ASCII-armoured as a block of kind
// (openpgp.PublicKeyType, openpgp.PrivateKeyType), with a final newline.
func Armor(kind string, write func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, kind, nil)
	if err != nil {
		return nil, err
	}
	if err := write(w); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// Open decrypts a message a client encrypted to the cloud's key and
// returns its plaintext. Both the message and what it decrypts to are
// bounded by MaxEncryptedKey; a signature, if any, is not required (the
// client's key is not known to the cloud before onboarding).
func (k *CloudKey) Open(message []byte) ([]byte, error) {
	if len(message) > MaxEncryptedKey {
		return nil, fmt.Errorf("the encrypted key is %d bytes, more than the %d a key file needs", len(message), MaxEncryptedKey)
	}
	var body io.Reader = bytes.NewReader(message)
	if block, err := armor.Decode(bytes.NewReader(message)); err == nil {
		body = block.Body
	}
	md, err := openpgp.ReadMessage(body, openpgp.EntityList{k.entity}, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypting with the cloud's key (was it encrypted to the cloud's public key, 'anycloud client cloud-key'?): %w", err)
	}
	if !md.IsEncrypted {
		return nil, errors.New("the key file is not encrypted: encrypt it to the cloud's public key")
	}
	plain, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, MaxEncryptedKey+1))
	if err != nil {
		return nil, fmt.Errorf("decrypting with the cloud's key: %w", err)
	}
	if len(plain) > MaxEncryptedKey {
		return nil, fmt.Errorf("the encrypted key decrypts to more than %d bytes; refused", MaxEncryptedKey)
	}
	return plain, nil
}
