package xfr

import (
	"fmt"
	"os"
	"path/filepath"
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
	path := s.SecretFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(baseDir, path)
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("TSIG key %s: %w", s.Name, err)
	}
	return NewKey(s.Name, s.Algorithm, string(secret))
}
