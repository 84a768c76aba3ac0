package hub

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"anycloud/internal/onboard"
)

// adminCloudKey is the cloud's OpenPGP key when none is configured.
const adminCloudKey = "cloud-pgp.asc"

// cloudKey returns the cloud's OpenPGP key: the configured file, or the
// one in the storage directory, made (0600) on first use. A configured
// file readable by others is refused: it signs what clients trust.
func (h *Hub) cloudKey() (*onboard.CloudKey, error) {
	h.onb.adminMu.Lock()
	defer h.onb.adminMu.Unlock()
	cfg := h.config()
	path := cfg.Onboarding.PGPKey
	if path == "" {
		path = adminPath(cfg.Storage, adminCloudKey)
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("%s is readable by others (mode %v): the cloud's private key must be 0600", path, st.Mode().Perm())
	case err == nil:
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return onboard.ReadCloudKey(data)
	case !errors.Is(err, os.ErrNotExist) || cfg.Onboarding.PGPKey != "":
		return nil, fmt.Errorf("the cloud's OpenPGP key: %w", err)
	}
	k, err := onboard.NewCloudKey("anycloud " + cfg.Catalog)
	if err != nil {
		return nil, err
	}
	data, err := k.ArmoredPrivate()
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, data, 0o600); err != nil {
		return nil, err
	}
	h.log.Info("made the cloud's OpenPGP key", "file", path, "fingerprint", k.Fingerprint())
	return k, nil
}

// CloudKeyInfo is the cloud's public key, for clients to import.
type CloudKeyInfo struct {
	Fingerprint string `json:"fingerprint"`
	Public      string `json:"public"`
}

// SealRequest asks the hub to encrypt a client's bundle to the client's
// public key (Recipient, ASCII-armoured) and sign it with the cloud's key.
type SealRequest struct {
	Recipient string `json:"recipient"`
	Plaintext string `json:"plaintext"`
}

// Sealed is the signed, encrypted bundle.
type Sealed struct {
	Message    string   `json:"message"`
	Recipients []string `json:"recipients"`
	Signer     string   `json:"signer"`
}

// OpenRequest asks the hub to decrypt a key a client encrypted to the
// cloud's public key (`client add --tsig-key-encrypted`).
type OpenRequest struct {
	Message string `json:"message"`
}

// Opened is its plaintext (over the loopback control API only).
type Opened struct {
	Plaintext string `json:"plaintext"`
}

func (h *Hub) httpCloudKey(w http.ResponseWriter, _ *http.Request) {
	k, err := h.cloudKey()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	pub, err := k.ArmoredPublic()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, CloudKeyInfo{Fingerprint: k.Fingerprint(), Public: string(pub)})
}

func (h *Hub) httpSeal(w http.ResponseWriter, r *http.Request) {
	var req SealRequest
	if !decodeBody(w, r, &req) {
		return
	}
	k, err := h.cloudKey()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	msg, recipients, err := onboard.EncryptSigned([]byte(req.Recipient), []byte(req.Plaintext), k)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, Sealed{Message: string(msg), Recipients: recipients, Signer: k.Fingerprint()})
}

func (h *Hub) httpOpen(w http.ResponseWriter, r *http.Request) {
	var req OpenRequest
	if !decodeBody(w, r, &req) {
		return
	}
	k, err := h.cloudKey()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	plain, err := k.Open([]byte(req.Message))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, Opened{Plaintext: string(plain)})
}
