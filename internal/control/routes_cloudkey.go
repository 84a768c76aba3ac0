package control

import (
	"net/http"

	"anycloud/internal/onboard"
)

// The cloud key routes of the control API (routes.go).

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

func (s *Server) httpCloudKey(w http.ResponseWriter, _ *http.Request) {
	k, ok := s.cloudKeyOrFail(w)
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

func (s *Server) httpSeal(w http.ResponseWriter, r *http.Request) {
	var req SealRequest
	if !decodeBody(w, r, &req) {
		return
	}
	k, ok := s.cloudKeyOrFail(w)
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

func (s *Server) httpOpen(w http.ResponseWriter, r *http.Request) {
	var req OpenRequest
	if !decodeBody(w, r, &req) {
		return
	}
	k, ok := s.cloudKeyOrFail(w)
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
func (s *Server) cloudKeyOrFail(w http.ResponseWriter) (*onboard.CloudKey, bool) {
	k, err := s.a.CloudKey()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, false
	}
	return k, true
}
