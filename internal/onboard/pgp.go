package onboard

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// EncryptTo encrypts plaintext to every encryption-capable key in the
// ASCII-armoured public key block pubArmored and returns an ASCII-armoured
// OpenPGP message, with the fingerprints it was encrypted to.
func EncryptTo(pubArmored, plaintext []byte) ([]byte, []string, error) {
	return EncryptSigned(pubArmored, plaintext, nil)
}

// EncryptSigned is EncryptTo with the message signed by the cloud's key
// (when signer is not nil): gpg --decrypt then reports a good signature
// from the cloud to a client that imported the cloud's public key.
func EncryptSigned(pubArmored, plaintext []byte, signer *CloudKey) ([]byte, []string, error) {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pubArmored))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the client's OpenPGP public key: %w", err)
	}
	if len(ring) == 0 {
		return nil, nil, errors.New("the OpenPGP file holds no public key")
	}
	var out bytes.Buffer
	aw, err := armor.Encode(&out, "PGP MESSAGE", nil)
	if err != nil {
		return nil, nil, err
	}
	var signed *openpgp.Entity
	if signer != nil {
		signed = signer.entity
	}
	w, err := openpgp.Encrypt(aw, ring, signed, &openpgp.FileHints{IsBinary: false}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("encrypting to the client's key (is it an encryption-capable, unexpired key?): %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, nil, err
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), fingerprints(ring), nil
}

func fingerprints(ring openpgp.EntityList) []string {
	var out []string
	for _, e := range ring {
		out = append(out, fmt.Sprintf("%X", e.PrimaryKey.Fingerprint))
	}
	return out
}
