package control

import (
	"anycloud/internal/admin"
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
//	GET  /replication               this hub's view of the replication (hub.ReplicationStatus)
//	GET  /backup                    a consistent backup (hub.Backup)
func (s *Server) onboardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /onboard/settings", s.httpSettings)
	mux.HandleFunc("POST /onboard/clients", s.httpAddClient)
	mux.HandleFunc("POST /onboard/check", s.httpCheck)
	mux.HandleFunc("GET /onboard/status", s.httpProgress)
	mux.HandleFunc("POST /onboard/nodes", s.httpAddNode)
	mux.HandleFunc("GET /onboard/nodes", s.httpNodes)
	mux.HandleFunc("POST /onboard/node-state", s.httpNodeState)
	mux.HandleFunc("POST /onboard/client-remove", s.httpRemoveClient)
	mux.HandleFunc("GET /onboard/removed", s.httpRemoved)
	mux.HandleFunc("POST /onboard/client-primaries", s.httpSetPrimaries)
	mux.HandleFunc("POST /onboard/node-remove", s.httpRemoveNode)
	mux.HandleFunc("GET /onboard/cloud-key", s.httpCloudKey)
	mux.HandleFunc("POST /onboard/seal", s.httpSeal)
	mux.HandleFunc("POST /onboard/open", s.httpOpen)
	mux.HandleFunc("GET /replication", s.httpReplication)
	mux.HandleFunc("GET /backup", s.httpBackup)
	s.a.PublishAllOnboarding()
}

// Settings is what the CLI needs to write a client's or a node's
// configuration.
type Settings struct {
	HubAddresses []string `json:"hub_addresses"`
	Nameservers  []string `json:"nameservers"`
	Service      []string `json:"service"`
	Catalog      string   `json:"catalog"`
}

func (s *Server) httpSettings(w http.ResponseWriter, _ *http.Request) {
	cfg := s.h.Config()
	out := Settings{Nameservers: cfg.Onboarding.CloudNSNames(), Catalog: cfg.Catalog}
	for _, a := range cfg.Onboarding.HubAddresses {
		out.HubAddresses = append(out.HubAddresses, a.String())
	}
	for _, a := range cfg.Onboarding.Service {
		out.Service = append(out.Service, a.String())
	}
	writeJSON(w, out)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (s *Server) httpAddClient(w http.ResponseWriter, r *http.Request) {
	var req admin.AddClientRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := s.a.AddClient(req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var out []admin.ClientProgress
	for _, z := range req.ZoneList() {
		out = append(out, s.a.Progress(z)...)
	}
	writeJSON(w, out)
}

// CheckRequest runs one step ("all" for every check) for a zone, with the
// configured key or a trial key.
type CheckRequest struct {
	Zone string         `json:"zone"`
	Step string         `json:"step"`
	Key  *admin.KeyJSON `json:"key,omitempty"`
}

func (s *Server) httpCheck(w http.ResponseWriter, r *http.Request) {
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
	reports, err := s.a.RunCheck(r.Context(), req.Zone, req.Step, key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, reports)
}

func (s *Server) httpProgress(w http.ResponseWriter, r *http.Request) {
	zone := r.URL.Query().Get("zone")
	if zone != "" {
		zone = dns.CanonicalName(zone)
	}
	writeJSON(w, s.a.Progress(zone))
}
