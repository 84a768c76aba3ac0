package onboard

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// KeyName derives a client's TSIG key name from its zone: "sv." gives
// "sv-anycloud.", "com.sv." gives "com-sv-anycloud.". Primaries list keys
// by name, so the name says which zone and which peer it is for.
func KeyName(zone string) string {
	z := strings.TrimSuffix(dns.CanonicalName(zone), ".")
	return strings.ReplaceAll(z, ".", "-") + "-anycloud."
}

// NewKey returns a fresh hmac-sha256 key with 256 random bits for zone.
func NewKey(zone string) (*xfr.Key, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("reading random bits for the TSIG key: %w", err)
	}
	return xfr.NewKey(KeyName(zone), "hmac-sha256", base64.StdEncoding.EncodeToString(secret))
}

// AlgorithmName is the configuration spelling of a key's algorithm
// ("hmac-sha256"), as primaries write it.
func AlgorithmName(k *xfr.Key) string {
	for name, wire := range xfr.Algorithms {
		if wire == k.Algorithm {
			return name
		}
	}
	return strings.TrimSuffix(k.Algorithm, ".")
}
