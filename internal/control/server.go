package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"anycloud/internal/admin"
	"anycloud/internal/httpserve"
	"anycloud/internal/hub"
)

const controlWriteTimeout = 130 * time.Second

// Server is the control API of one hub and its administration.
type Server struct {
	h *hub.Hub
	a *admin.Admin
}

// Attach puts the control plane on h before it runs: its administration
// (admin.New) and, when its configuration names a control address, the
// control API, started and stopped with the hub. It returns the
// administration, for callers that drive it directly (tests, purges).
func Attach(h *hub.Hub) *admin.Admin {
	a := admin.New(h)
	h.Attach(&plane{Admin: a, srv: &Server{h: h, a: a}})
	return a
}

// plane is the administration with the control API in front of it.
type plane struct {
	*admin.Admin
	srv *Server
}

// Start serves the control API (if configured), then starts the
// administration's own work; a failure leaves nothing running.
func (p *plane) Start(ctx context.Context) (func(), error) {
	srv, err := p.srv.start()
	if err != nil {
		return nil, err
	}
	stopAdmin, err := p.Admin.Start(ctx)
	if err != nil {
		if srv != nil {
			srv.Close()
		}
		return nil, err
	}
	return func() {
		if srv != nil {
			srv.Close()
		}
		stopAdmin()
	}, nil
}

// The control endpoint is plain HTTP on a loopback address (the config
// refuses any other), for the status, retransfer and reload commands:
//
//	GET  /status                             JSON status of every zone
//	POST /retransfer?zone=Z[&accept-older=1] full transfer now, optionally
//	                                         accepting a serial that went back
//	POST /reload                             re-read the config file
//	/onboard/...                             client and node administration
//	                                         (routes.go)
//
// Every request needs the token (token.go); a browser's cross-site
// request is refused whatever it carries.
func (s *Server) start() (*http.Server, error) {
	addr := s.h.Config().Control
	if addr == "" {
		return nil, nil
	}
	handler, err := s.Handler()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("control endpoint: %w", err)
	}
	// The answer may wait for a transfer or an onboarding check: the CLI
	// waits 120 s, the server a little longer.
	srv := httpserve.New(handler, controlWriteTimeout)
	go srv.Serve(ln)
	return srv, nil
}

// Handler is the whole control API behind its token check (the fuzz
// target drives it without a listener).
func (s *Server) Handler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.httpStatus)
	mux.HandleFunc("POST /retransfer", s.httpRetransfer)
	mux.HandleFunc("POST /reload", s.httpReload)
	s.onboardRoutes(mux)
	token, err := s.token()
	if err != nil {
		return nil, err
	}
	return requireToken(token, mux), nil
}

func (s *Server) httpStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s.h.Status())
}

func (s *Server) httpRetransfer(w http.ResponseWriter, r *http.Request) {
	err := s.h.Retransfer(r.URL.Query().Get("zone"), r.URL.Query().Get("accept-older") == "1")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "retransfer started; watch the status for the outcome")
}

func (s *Server) httpReload(w http.ResponseWriter, _ *http.Request) {
	if err := s.h.ReloadFile(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

func (s *Server) httpReplication(w http.ResponseWriter, _ *http.Request) {
	st := s.h.ReplicationStatus()
	if st == nil {
		http.Error(w, errors.New("this hub does not replicate (no replication: section)").Error(), http.StatusNotFound)
		return
	}
	writeJSON(w, st)
}

func (s *Server) httpBackup(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/gzip")
	if err := s.h.Backup(w); err != nil {
		s.h.Logger().Error("backup failed", "err", err)
		// The status line is sent: a broken gzip stream tells the CLI.
		panic(http.ErrAbortHandler)
	}
	s.h.Logger().Info("backup taken")
}
