package xfr

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Key is a TSIG key (RFC 8945): its name, algorithm and base64 secret.
type Key struct {
	Name      string
	Algorithm string // dns.HmacSHA256 etc., FQDN form
	Secret    string
}

// Algorithms maps the configuration spelling of each supported algorithm to
// its wire name. hmac-sha1 is kept for old primaries only.
var Algorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// NewKey validates the parts of a key and returns it with canonical names.
func NewKey(name, algorithm, secret string) (*Key, error) {
	alg, ok := Algorithms[strings.ToLower(algorithm)]
	if !ok {
		return nil, fmt.Errorf("unsupported TSIG algorithm %q (use hmac-sha256, hmac-sha384, hmac-sha512 or hmac-sha1)", algorithm)
	}
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return nil, fmt.Errorf("TSIG key name %q is not a domain name", name)
	}
	secret = strings.TrimSpace(secret)
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("TSIG secret of key %q is not base64", name)
	}
	return &Key{Name: dns.CanonicalName(name), Algorithm: alg, Secret: secret}, nil
}

// Secrets returns the name->secret map miekg/dns wants for the given keys.
func Secrets(keys ...*Key) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		if k != nil {
			m[k.Name] = k.Secret
		}
	}
	return m
}

// sign adds a TSIG record for k to m, if k is set.
func (k *Key) sign(m *dns.Msg) {
	if k != nil {
		m.SetTsig(k.Name, k.Algorithm, 300, time.Now().Unix())
	}
}
