package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

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
		s := &http.Server{Handler: n.httpHandler(l.control), ReadHeaderTimeout: 5 * time.Second}
		go s.Serve(ln)
		servers = append(servers, s)
	}
	return stop, nil
}

func (n *Node) httpHandler(control bool) http.Handler {
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewNodeCollector(n.metricSources()))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	mux.HandleFunc("GET /status", n.httpStatus)
	if control {
		mux.HandleFunc("POST /drain", n.httpDrain)
		mux.HandleFunc("POST /undrain", n.httpUndrain)
	}
	return mux
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
	fmt.Fprintf(w, "drained: withdrawn and waited %v; still answering until undrained or stopped\n", n.cfg.Announce.Config.DrainWait)
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
// control endpoint and returns its answer.
func ControlRequest(ctx context.Context, addr, what string) (string, error) {
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
	resp, err := http.DefaultClient.Do(req)
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
