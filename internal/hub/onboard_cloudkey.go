package hub

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"anycloud/internal/onboard"
)

// adminCloudKey is the cloud's OpenPGP key when none is configured.
const adminCloudKey = "cloud-pgp.asc"

// cloudKey returns the cloud's OpenPGP key: the configured file, or the
// one in the admin directory, made (0600) on first use through the
// replicated write, so every hub signs with the same key (two hubs making
// it at once conflict; the second takes the first's). A key file readable
// by others is refused: it signs what clients trust.
func (h *Hub) cloudKey() (*onboard.CloudKey, error) {
	cfg := h.config()
	if cfg.Onboarding.PGPKey != "" {
		k, err := readCloudKey(cfg.Onboarding.PGPKey, nil)
		if err != nil && errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the cloud's OpenPGP key: %w", err)
		}
		return k, err
	}
	path := adminPath(cfg.Storage, adminCloudKey)
	k, err := readCloudKey(path, &h.adminFiles)
	if !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	var made *onboard.CloudKey
	err = h.adminWrite(func(tx *adminTx) error {
		made = nil
		if have, err := tx.read(adminCloudKey); err != nil || have != nil {
			return err // another hub made it meanwhile
		}
		k, err := onboard.NewCloudKey("anycloud " + cfg.Catalog)
		if err != nil {
			return err
		}
		data, err := k.ArmoredPrivate()
		if err != nil {
			return err
		}
		made = k
		tx.write(adminCloudKey, data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("the cloud's OpenPGP key: %w", err)
	}
	if made != nil {
		h.log.Info("made the cloud's OpenPGP key", "file", path, "fingerprint", made.Fingerprint())
	}
	return readCloudKey(path, &h.adminFiles)
}

// readCloudKey reads a cloud key file, refusing one others may read; mu,
// if set, is held for reading (the admin directory's files).
func readCloudKey(path string, mu *sync.RWMutex) (*onboard.CloudKey, error) {
	if mu != nil {
		mu.RLock()
		defer mu.RUnlock()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v): the cloud's private key must be 0600", path, st.Mode().Perm())
	}
	data, err := io.ReadAll(f) // the admin directory's files are bounded (replica.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return onboard.ReadCloudKey(data)
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
	k, ok := h.cloudKeyOrFail(w)
	if !ok {
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
	k, ok := h.cloudKeyOrFail(w)
	if !ok {
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
	k, ok := h.cloudKeyOrFail(w)
	if !ok {
		return
	}
	plain, err := k.Open([]byte(req.Message))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, Opened{Plaintext: string(plain)})
}

// cloudKeyOrFail is the cloud's key for a control request, or a 500
// already written.
func (h *Hub) cloudKeyOrFail(w http.ResponseWriter) (*onboard.CloudKey, bool) {
	k, err := h.cloudKey()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, false
	}
	return k, true
}
