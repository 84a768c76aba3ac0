package control

import (
	"net/http"
	"slices"
	"strings"

	"anycloud/internal/hub"
)

// The client and node lifecycle routes of the control API (routes.go).

// RemoveClientRequest is `anycloud client remove ZONE`.
type RemoveClientRequest struct {
	Zone string `json:"zone"`
}

// SetPrimariesRequest is `anycloud client set ZONE --primary ADDR[,ADDR]`.
type SetPrimariesRequest struct {
	Zone      string   `json:"zone"`
	Primaries []string `json:"primaries"`
}

// SetPrimariesResult names every zone whose primaries changed.
type SetPrimariesResult struct {
	Zones     []string `json:"zones"`
	Primaries []string `json:"primaries"`
}

// RemoveNodeRequest is `anycloud node remove NAME`.
type RemoveNodeRequest struct {
	Name string `json:"name"`
}

func (s *Server) httpRemoveClient(w http.ResponseWriter, r *http.Request) {
	var req RemoveClientRequest
	if !decodeBody(w, r, &req) {
		return
	}
	rec, err := s.a.RemoveClient(req.Zone)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, rec)
}

func (s *Server) httpRemoved(w http.ResponseWriter, _ *http.Request) {
	var out []hub.RemovedZone
	for _, r := range s.a.RemovedZones() {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b hub.RemovedZone) int { return strings.Compare(a.Zone, b.Zone) })
	writeJSON(w, out)
}

func (s *Server) httpSetPrimaries(w http.ResponseWriter, r *http.Request) {
	var req SetPrimariesRequest
	if !decodeBody(w, r, &req) {
		return
	}
	zones, err := s.a.SetPrimaries(req.Zone, req.Primaries)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, SetPrimariesResult{Zones: zones, Primaries: req.Primaries})
}

func (s *Server) httpRemoveNode(w http.ResponseWriter, r *http.Request) {
	var req RemoveNodeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := s.a.RemoveNode(req.Name); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, s.h.Nodes())
}
