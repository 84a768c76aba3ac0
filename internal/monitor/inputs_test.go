package monitor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// statusServer stands in for a node's status endpoint, which reports the
// announcer's state as JSON.
type statusServer struct {
	mu   sync.Mutex
	body string
	srv  *httptest.Server
}

func newStatusServer(t *testing.T, state, reason string) *statusServer {
	s := &statusServer{}
	s.set(state, reason)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(s.body))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *statusServer) set(state, reason string) {
	s.mu.Lock()
	s.body = `{"state":"` + state + `","reason":"` + reason + `","peers":[]}`
	s.mu.Unlock()
}

func TestNodeStatesAndAlerts(t *testing.T) {
	primary := startEngine(t, "primary", "sv.", 1)
	a := startEngine(t, "node-a", "sv.", 1)
	status := newStatusServer(t, "announced", "healthy")
	m := New(Config{
		Zones:  []ZoneConfig{{Zone: "sv.", Primaries: []string{primary.addr}}},
		Nodes:  []NodeConfig{{Name: "node-a", Unicast: []string{a.addr}, StatusURL: status.srv.URL}, {Name: "node-b", Unicast: []string{a.addr}}},
		Alerts: AlertConfig{RaiseAfter: 1, ClearAfter: 1},
	}, quietLog())
	ctx := context.Background()
	m.Poll(ctx)
	st := m.Snapshot()
	if n := findNode(t, st, "node-a"); n.State != "announcing" || n.Reason != "healthy" {
		t.Fatalf("node-a: %+v", n)
	}
	if n := findNode(t, st, "node-b"); n.State != "unknown" {
		t.Fatalf("node-b without a status URL: %+v", n)
	}
	status.set("drained", "maintenance")
	m.SetNodeState("node-b", "withdrawn", "SOA check failed")
	m.Poll(ctx)
	st = m.Snapshot()
	if n := findNode(t, st, "node-a"); n.State != "drained" || n.Reason != "maintenance" {
		t.Fatalf("node-a after drain: %+v", n)
	}
	if !hasActive(st, "node_drained/node-a") || !hasActive(st, "node_withdrawn/node-b") {
		t.Fatalf("active alerts: %+v", st.Alerts.Active)
	}
}

func TestCatchmentChange(t *testing.T) {
	m := New(Config{
		Zones:    []ZoneConfig{{Zone: "sv.", Primaries: []string{"127.0.0.1"}}},
		Vantages: []Vantage{{Name: "santiago", City: "Santiago", Lat: -33.45, Lon: -70.67}},
	}, quietLog())
	probe := func(node string) {
		t.Helper()
		rep := ProbeReport{Vantage: "santiago", Results: []ProbeResult{{Address: "198.51.100.53", Transport: "udp", NSID: node, RTTms: 3}}}
		if err := m.RecordProbe(rep); err != nil {
			t.Fatal(err)
		}
	}
	probe("node-santiago")
	if st := m.Snapshot(); len(st.Alerts.Active) != 0 || st.Vantages[0].Node != "node-santiago" {
		t.Fatalf("first probe: vantage %+v, alerts %+v", st.Vantages[0], st.Alerts.Active)
	}
	probe("node-sao-paulo")
	st := m.Snapshot()
	v := st.Vantages[0]
	if v.Node != "node-sao-paulo" || v.Previous != "node-santiago" || !hasActive(st, "catchment_change/santiago") {
		t.Fatalf("after the move: vantage %+v, alerts %+v", v, st.Alerts.Active)
	}
	if err := m.RecordProbe(ProbeReport{Vantage: "atlantis"}); err == nil || !strings.Contains(err.Error(), "unknown vantage") {
		t.Fatalf("unknown vantage accepted: %v", err)
	}
}
