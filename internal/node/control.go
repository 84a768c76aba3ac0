package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"anycloud/internal/bearer"
	"anycloud/internal/httpserve"
	"anycloud/internal/metrics"
)

// The node's HTTP endpoints:
//
//	control (loopback only, config `control:`):
//	  GET  /status    the node's status document (JSON)
//	  POST /drain     withdraw, wait for traffic to move, answer; the node
//	                  keeps serving, withdrawn, until undrained or stopped
//	  POST /undrain   let health decide again
//	  GET  /metrics   Prometheus
//	  The POSTs need the bearer token of TokenFile (created on first start,
//	  mode 0600): any local user can reach a loopback port, and a web page
//	  in a browser on the host can post to one, so neither may withdraw the
//	  node. Cross-site requests are refused outright.
//	metrics (config `metrics:`, read-only, for the monitor and Prometheus):
//	  GET  /status, GET /metrics
func (n *Node) startHTTP() (stop func(), err error) {
	var servers []*http.Server
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range servers {
			s.Shutdown(ctx)
		}
	}
	for _, l := range []struct {
		addr    string
		control bool
	}{{n.cfg.Control, true}, {n.cfg.Metrics, false}} {
		if l.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			stop()
			return nil, fmt.Errorf("listening on %s: %w", l.addr, err)
		}
		handler, err := n.httpHandler(l.control)
		if err != nil {
			ln.Close()
			stop()
			return nil, err
		}
		s := httpserve.New(handler, n.writeTimeout())
		go s.Serve(ln)
		servers = append(servers, s)
	}
	return stop, nil
}

func (n *Node) httpHandler(control bool) (http.Handler, error) {
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewNodeCollector(n.metricSources()))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	mux.HandleFunc("GET /status", n.httpStatus)
	if control {
		token, err := bearer.Ensure(TokenFile(n.cfg))
		if err != nil {
			return nil, fmt.Errorf("control endpoint: %w", err)
		}
		need := func(h http.HandlerFunc) http.Handler {
			return bearer.Require(func() string { return token },
				"drain and undrain need the node's control token ("+TokenFile(n.cfg)+")", h)
		}
		mux.Handle("POST /drain", need(n.httpDrain))
		mux.Handle("POST /undrain", need(n.httpUndrain))
	}
	return mux, nil
}

// TokenFile is where the node configured by cfg keeps its control token:
// in its storage directory, which only the node's user may read.
func TokenFile(cfg *Config) string {
	p := filepath.Join(cfg.Storage, "control.token")
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// writeTimeout outlasts the slowest answer, a drain that waits drain-wait.
func (n *Node) writeTimeout() time.Duration {
	if n.cfg.Announce != nil {
		return drainBound(n.cfg.Announce.Config) + time.Minute
	}
	return time.Minute
}

func (n *Node) httpStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(n.StatusDoc(r.Context()))
}

func (n *Node) httpDrain(w http.ResponseWriter, r *http.Request) {
	if n.ann == nil {
		http.Error(w, "this node has no announce: section; nothing to drain", http.StatusConflict)
		return
	}
	start := time.Now()
	if err := n.ann.Drain(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	n.log.Warn("drained by operator", "took", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(w, "drained in %v: announced with graceful shutdown until the traffic moved, withdrawn, answered until it stopped; still answering until undrained or stopped\n", time.Since(start).Round(time.Millisecond))
}

func (n *Node) httpUndrain(w http.ResponseWriter, _ *http.Request) {
	if n.ann == nil {
		http.Error(w, "this node has no announce: section", http.StatusConflict)
		return
	}
	n.ann.Undrain()
	n.log.Warn("undrained by operator: health decides again")
	fmt.Fprintln(w, "undrained: announced again once healthy")
}

// metricSources are read at scrape time.
func (n *Node) metricSources() metrics.NodeSources {
	src := metrics.NodeSources{Stats: n.srv.Stats, RRL: n.srv.RRLStats, TCP: n.srv.TCPStats, Zones: n.zoneInfos}
	if n.ann != nil {
		src.Announce = func() metrics.AnnounceInfo {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			return metrics.AnnounceFromStatus(n.ann.Status(ctx))
		}
	}
	return src
}

func (n *Node) zoneInfos() []metrics.ZoneInfo {
	var out []metrics.ZoneInfo
	for _, m := range n.memberList() {
		v := m.cur.Load()
		if v == nil {
			continue
		}
		st := m.sec.Status()
		out = append(out, metrics.ZoneInfo{Zone: m.origin, Serial: v.Serial(), LastRefresh: st.LastContact, Expired: st.Expired})
	}
	return out
}

// ControlRequest sends "status", "drain" or "undrain" to a running node's
// control endpoint and returns its answer. drain and undrain carry the
// token read from tokenFile (the caller's side: its configuration or a
// flag), which must belong to root, the caller or the service user and be
// closed to others.
func ControlRequest(ctx context.Context, addr, tokenFile, what string) (string, error) {
	method := http.MethodPost
	switch what {
	case "status":
		method = http.MethodGet
	case "drain", "undrain":
	default:
		return "", fmt.Errorf("unknown control request %q", what)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+"/"+what, nil)
	if err != nil {
		return "", err
	}
	client := http.DefaultClient
	if method == http.MethodPost {
		tok, owner, err := bearer.ReadFileOwner(tokenFile)
		if err != nil {
			return "", fmt.Errorf("the node's control token (run this as root or the node's user, or give --token-file): %w", err)
		}
		bearer.Set(req, tok)
		client = bearer.Client(owner, 0) // the token goes only to a listener of root or its owner
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("control endpoint %s (is the node running with 'control:' set?): %w", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", errors.New("the node refused: " + strings.TrimSpace(string(body)))
	}
	return string(body), nil
}
