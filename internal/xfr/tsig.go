package xfr

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/miekg/dns"
)

// keyring implements dns.TsigProvider for a set of keys. Unlike miekg's
// built-in provider it also insists that the algorithm in the message is the
// key's own, so a key configured as hmac-sha256 cannot be used with sha1.
type keyring map[string]*Key

// Provider returns a dns.TsigProvider that knows exactly the given keys; the
// hub's server uses it to accept transfers only from configured peers.
func Provider(keys ...*Key) dns.TsigProvider {
	r := make(keyring, len(keys))
	for _, k := range keys {
		if k != nil {
			r[k.Name] = k
		}
	}
	return r
}

func (r keyring) lookup(t *dns.TSIG) (*Key, error) {
	k, ok := r[strings.ToLower(t.Hdr.Name)]
	if !ok {
		return nil, dns.ErrSecret
	}
	if k.Algorithm != "" && !strings.EqualFold(k.Algorithm, t.Algorithm) {
		return nil, dns.ErrKeyAlg
	}
	return k, nil
}

// Generate implements dns.TsigProvider.
func (r keyring) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	k, err := r.lookup(t)
	if err != nil {
		return nil, err
	}
	return mac(k.Secret, t.Algorithm, msg)
}

// Verify implements dns.TsigProvider.
func (r keyring) Verify(msg []byte, t *dns.TSIG) error {
	k, err := r.lookup(t)
	if err != nil {
		return err
	}
	want, err := mac(k.Secret, t.Algorithm, msg)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(t.MAC)
	if err != nil || !hmac.Equal(want, got) {
		return dns.ErrSig
	}
	return nil
}

func mac(secret, algorithm string, msg []byte) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return nil, err
	}
	var h func() hash.Hash
	switch dns.CanonicalName(algorithm) {
	case dns.HmacSHA1:
		h = sha1.New
	case dns.HmacSHA256:
		h = sha256.New
	case dns.HmacSHA384:
		h = sha512.New384
	case dns.HmacSHA512:
		h = sha512.New
	default:
		return nil, dns.ErrKeyAlg
	}
	m := hmac.New(h, raw)
	m.Write(msg)
	return m.Sum(nil), nil
}
