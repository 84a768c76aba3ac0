package cloud

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"anycloud/internal/bearer"
)

// keyFile returns the path of the lab-wide TSIG secret called name,
// creating it (256 random bits, mode 0600) on first use. Both ends of a
// transfer read the same file, so the key never appears in a command line.
func keyFile(hostDir, name string) (string, error) {
	dir := filepath.Join(filepath.Dir(hostDir), "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, strings.TrimSuffix(name, ".")+".key")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing TSIG key %s: %w", name, err)
	}
	return path, nil
}

func readKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

// probeTokenFile is the bearer token a city's probe reports with and the
// monitor's vantage checks, shared beside the keys and made on first use.
func probeTokenFile(hostDir, vantage string) (string, error) {
	path := filepath.Join(filepath.Dir(hostDir), "keys", "probe-"+vantage+".token")
	_, err := bearer.Ensure(path)
	return path, err
}

// clientKeyName and nodeKeyName name the lab's TSIG keys.
func clientKeyName(zone string) string { return strings.TrimSuffix(zone, ".") + "-anycloud." }
func nodeKeyName(node string) string   { return node + "-xfr." }
