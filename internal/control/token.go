package control

import (
	"encoding/json"
	"net/http"
	"path/filepath"

	"anycloud/internal/bearer"
	"anycloud/internal/hub"
)

// The control API requires a bearer token kept in the storage directory
// (mode 0600): whoever can read the hub's storage may drive the hub. The
// CLI finds the file from its own side (TokenFile of the hub's
// configuration, or --token-file), never by asking the server: whoever
// answers on the control port while the hub restarts could name any file.
const tokenFile = "control.token"

// TokenFile is where the hub configured by cfg keeps its control token.
func TokenFile(cfg *hub.Config) string {
	return filepath.Join(absPath(cfg.Storage), tokenFile)
}

// DefaultTokenFile is the packaged hub's token file, for a CLI that has
// neither the hub's configuration nor --token-file.
const DefaultTokenFile = "/var/lib/anycloud/hub/" + tokenFile

// token returns the hub's token, creating it on first use.
func (s *Server) token() (string, error) {
	return bearer.Ensure(TokenFile(s.h.Config()))
}

// requireToken wraps the control API: every request must carry
// "Authorization: Bearer <token>" and must not come from another site's
// web page.
func requireToken(token string, next http.Handler) http.Handler {
	return bearer.Require(func() string { return token },
		"the control API needs the token from the hub's storage directory ("+tokenFile+")", next)
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
