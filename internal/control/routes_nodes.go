package control

import (
	"net/http"

	"anycloud/internal/admin"
)

// The node routes of the control API (routes.go).

func (s *Server) httpAddNode(w http.ResponseWriter, r *http.Request) {
	var req admin.AddNodeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := s.a.AddNode(req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, s.h.Nodes())
}

func (s *Server) httpNodes(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.h.Nodes()) }

// NodeStateRequest sets a node's administrative state.
type NodeStateRequest struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

func (s *Server) httpNodeState(w http.ResponseWriter, r *http.Request) {
	var req NodeStateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := s.a.SetNodeState(req.Name, req.State); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, s.h.Nodes())
}
