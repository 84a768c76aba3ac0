package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/httpserve"
)

const controlWriteTimeout = 130 * time.Second

// The control endpoint is plain HTTP on a loopback address (the config
// refuses any other), for the status, retransfer and reload commands:
//
//	GET  /status                             JSON status of every zone
//	POST /retransfer?zone=Z[&accept-older=1] full transfer now, optionally
//	                                         accepting a serial that went back
//	POST /reload                             re-read the config file
//	/onboard/...                             client and node administration
//	                                         (control_onboard.go)
//
// Every request needs the token (control_token.go); a browser's
// cross-site request is refused whatever it carries.
func (h *Hub) startControl(ctx context.Context) (*http.Server, error) {
	addr := h.config().Control
	if addr == "" {
		return nil, nil
	}
	handler, err := h.controlHandler()
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

// controlHandler is the whole control API behind its token check (the
// fuzz target drives it without a listener).
func (h *Hub) controlHandler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", h.httpStatus)
	mux.HandleFunc("POST /retransfer", h.httpRetransfer)
	mux.HandleFunc("POST /reload", h.httpReload)
	h.onboardRoutes(mux)
	token, err := h.controlToken()
	if err != nil {
		return nil, err
	}
	return requireToken(token, mux), nil
}

func (h *Hub) httpStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(h.Status())
}

func (h *Hub) httpRetransfer(w http.ResponseWriter, r *http.Request) {
	err := h.Retransfer(r.URL.Query().Get("zone"), r.URL.Query().Get("accept-older") == "1")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "retransfer started; watch the status for the outcome")
}

func (h *Hub) httpReload(w http.ResponseWriter, _ *http.Request) {
	if err := h.ReloadFile(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

// Retransfer forces a full transfer of zone from its primaries; with
// acceptOlder the gate lets a serial that went backwards through once.
func (h *Hub) Retransfer(zone string, acceptOlder bool) error {
	z := h.lookup(dns.CanonicalName(zone))
	if z == nil || z.sec == nil {
		return fmt.Errorf("%q is not a client zone of this hub", zone)
	}
	h.log.Warn("operator forced a retransfer", "zone", z.origin, "accept_older", acceptOlder)
	z.sec.Retransfer(acceptOlder)
	return nil
}

// ReloadFile re-reads the configuration file the hub started with and
// applies it all or nothing.
func (h *Hub) ReloadFile() error {
	path := h.config().Path
	if path == "" {
		return errors.New("the hub was not started from a file")
	}
	cfg, err := h.loadConfig(path)
	if err != nil {
		h.log.Error("reload refused, configuration unchanged", "err", err)
		h.reloaded(err)
		return err
	}
	return h.Reload(cfg)
}
