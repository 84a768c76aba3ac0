package hub

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// The control API requires a bearer token kept in the storage directory
// (mode 0600): whoever can read the hub's storage may drive the hub. A
// CLI on the hub's host finds the file by asking GET /hello, which is the
// one request answered without the token and tells only where it lives.
const tokenFile = "control.token"

// controlToken returns the hub's token, creating it on first use.
func (h *Hub) controlToken() (string, error) {
	path := filepath.Join(h.config().Storage, tokenFile)
	if data, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(data))) >= 32 {
		return strings.TrimSpace(string(data)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("control token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := hex.EncodeToString(raw)
	if err := writeFileAtomic(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("control token: %w", err)
	}
	return token, nil
}

// requireToken wraps the control API: every request but GET /hello must
// carry "Authorization: Bearer <token>".
func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/hello" {
			next.ServeHTTP(w, r)
			return
		}
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "the control API needs the token from the hub's storage directory ("+tokenFile+")", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Hello is the unauthenticated answer that tells a local CLI where the
// token is.
type Hello struct {
	TokenFile string `json:"token_file"`
	Config    string `json:"config,omitempty"`
}

func (h *Hub) httpHello(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, Hello{TokenFile: filepath.Join(absPath(h.config().Storage), tokenFile), Config: h.config().Path})
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
