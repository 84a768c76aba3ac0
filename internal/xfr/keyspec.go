package xfr

import (
	"fmt"
	"os"
	"strings"

	"github.com/miekg/dns"

	"anycloud/internal/yamlconf"
)

// KeySpec is how configuration files name a TSIG key: the secret lives in a
// file of its own (mode 0600) so configs can be shared without it.
type KeySpec struct {
	Name       string `yaml:"name"`        // the key's name, as both sides spell it (e.g. sv-anycloud.)
	Algorithm  string `yaml:"algorithm"`   // hmac-sha256, hmac-sha384, hmac-sha512, or hmac-sha1 for old primaries
	SecretFile string `yaml:"secret-file"` // file holding the base64 secret alone, relative to the configuration file
}

// Load reads the secret (a base64 string, surrounding space ignored) from
// SecretFile, relative to baseDir, and returns the key.
func (s KeySpec) Load(baseDir string) (*Key, error) {
	if s.Name == "" || s.Algorithm == "" || s.SecretFile == "" {
		return nil, fmt.Errorf("a TSIG key needs name, algorithm and secret-file")
	}
	secret, err := os.ReadFile(yamlconf.Resolve(baseDir, s.SecretFile))
	if err != nil {
		return nil, fmt.Errorf("TSIG key %s: %w", s.Name, err)
	}
	return NewKey(s.Name, s.Algorithm, string(secret))
}

// Check loads the key as Load does and reports a problem through p, the
// view of the `tsig:` section, at the key it is about: the section itself
// when a key is missing, secret-file when the secret cannot be read or is
// not base64, algorithm or name when NewKey refuses them. It returns nil
// after a problem.
func (s KeySpec) Check(p *yamlconf.Problems, baseDir string) *Key {
	k, err := s.Load(baseDir)
	if err == nil {
		return k
	}
	field := ""
	switch {
	case s.Name == "" || s.Algorithm == "" || s.SecretFile == "":
	case Algorithms[strings.ToLower(s.Algorithm)] == "":
		field = "algorithm"
	case !validKeyName(s.Name):
		field = "name"
	default:
		field = "secret-file"
	}
	p.Add(field, "%v", err)
	return nil
}

func validKeyName(name string) bool {
	_, ok := dns.IsDomainName(name)
	return ok && name != ""
}
