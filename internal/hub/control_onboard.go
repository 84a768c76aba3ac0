package hub

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// Onboarding routes of the control API (token required):
//
//	GET  /onboard/settings          hub addresses, cloud name servers, catalog
//	POST /onboard/clients           add or re-key a client (AddClientRequest)
//	POST /onboard/check             run checks (CheckRequest) -> []Report
//	GET  /onboard/status[?zone=Z]   every client's steps
//	POST /onboard/nodes             register a node (AddNodeRequest)
//	GET  /onboard/nodes             nodes and their administrative state
//	POST /onboard/node-state        set a node enabled, disabled or drained
//	POST /onboard/client-remove     take a zone out (RemoveClientRequest)
//	GET  /onboard/removed           zones removed and still in their grace period
//	POST /onboard/client-primaries  change a client's primaries (SetPrimariesRequest)
//	POST /onboard/node-remove       remove a node, revoking its key
//	GET  /onboard/cloud-key         the cloud's OpenPGP public key
//	POST /onboard/seal              encrypt a bundle to a client, signed by the cloud
//	POST /onboard/open              decrypt a key a client encrypted to the cloud
//	GET  /replication               this hub's view of the replication (replication.go)
//	GET  /backup                    a consistent backup (backup.go)
func (h *Hub) onboardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /onboard/settings", h.httpSettings)
	mux.HandleFunc("POST /onboard/clients", h.httpAddClient)
	mux.HandleFunc("POST /onboard/check", h.httpCheck)
	mux.HandleFunc("GET /onboard/status", h.httpProgress)
	mux.HandleFunc("POST /onboard/nodes", h.httpAddNode)
	mux.HandleFunc("GET /onboard/nodes", h.httpNodes)
	mux.HandleFunc("POST /onboard/node-state", h.httpNodeState)
	mux.HandleFunc("POST /onboard/client-remove", h.httpRemoveClient)
	mux.HandleFunc("GET /onboard/removed", h.httpRemoved)
	mux.HandleFunc("POST /onboard/client-primaries", h.httpSetPrimaries)
	mux.HandleFunc("POST /onboard/node-remove", h.httpRemoveNode)
	mux.HandleFunc("GET /onboard/cloud-key", h.httpCloudKey)
	mux.HandleFunc("POST /onboard/seal", h.httpSeal)
	mux.HandleFunc("POST /onboard/open", h.httpOpen)
	mux.HandleFunc("GET /replication", h.httpReplication)
	mux.HandleFunc("GET /backup", h.httpBackup)
	h.publishAllOnboarding()
}

// Settings is what the CLI needs to write a client's or a node's
// configuration.
type Settings struct {
	HubAddresses []string `json:"hub_addresses"`
	Nameservers  []string `json:"nameservers"`
	Service      []string `json:"service"`
	Catalog      string   `json:"catalog"`
}

func (h *Hub) httpSettings(w http.ResponseWriter, _ *http.Request) {
	cfg := h.config()
	s := Settings{Nameservers: cfg.Onboarding.cloudNSNames(), Catalog: cfg.Catalog}
	for _, a := range cfg.Onboarding.HubAddresses {
		s.HubAddresses = append(s.HubAddresses, a.String())
	}
	for _, a := range cfg.Onboarding.Service {
		s.Service = append(s.Service, a.String())
	}
	writeJSON(w, s)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (h *Hub) httpAddClient(w http.ResponseWriter, r *http.Request) {
	var req AddClientRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := h.AddClient(req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var out []ClientProgress
	for _, z := range req.zoneList() {
		out = append(out, h.Progress(z)...)
	}
	writeJSON(w, out)
}

// CheckRequest runs one step ("all" for every check) for a zone, with the
// configured key or a trial key.
type CheckRequest struct {
	Zone string   `json:"zone"`
	Step string   `json:"step"`
	Key  *KeyJSON `json:"key,omitempty"`
}

func (h *Hub) httpCheck(w http.ResponseWriter, r *http.Request) {
	var req CheckRequest
	if !decodeBody(w, r, &req) {
		return
	}
	var key *xfr.Key
	if req.Key != nil {
		k, err := req.Key.Key()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		key = k
	}
	reports, err := h.RunCheck(r.Context(), req.Zone, req.Step, key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, reports)
}

func (h *Hub) httpProgress(w http.ResponseWriter, r *http.Request) {
	zone := r.URL.Query().Get("zone")
	if zone != "" {
		zone = dns.CanonicalName(zone)
	}
	writeJSON(w, h.Progress(zone))
}
