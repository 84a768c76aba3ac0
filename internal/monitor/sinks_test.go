package monitor

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// TestAlertsReachTheSinks: a running monitor sends a drained node's alert,
// firing then resolved, to the log and as JSON POSTs to a real local HTTP
// receiver that fails the first attempt of each (the sink retries).
func TestAlertsReachTheSinks(t *testing.T) {
	primary := startEngine(t, "primary", "sv.", 1)
	node := startEngine(t, "node-a", "sv.", 1)
	status := newStatusServer(t, "announced", "healthy")
	var (
		mu       sync.Mutex
		attempts int
		received []Alert
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts%2 == 1 { // every alert's first attempt fails
			http.Error(w, "receiver restarting", http.StatusServiceUnavailable)
			return
		}
		var a Alert
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook body: %v, content type %q", err, r.Header.Get("Content-Type"))
		}
		received = append(received, a)
	}))
	defer hook.Close()
	var logs testpeer.LogBuffer
	m := New(Config{
		Interval: 50 * time.Millisecond, Timeout: time.Second,
		Zones: []ZoneConfig{{Zone: "sv.", Primaries: []string{primary.addr}}},
		Nodes: []NodeConfig{{Name: "node-a", Unicast: []string{node.addr}, StatusURL: status.srv.URL}},
		Alerts: AlertConfig{RaiseAfter: 2, ClearAfter: 2,
			Webhook: &Webhook{URL: hook.URL, Retries: 2, Backoff: 10 * time.Millisecond, Timeout: time.Second}},
	}, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	got := func() []Alert {
		mu.Lock()
		defer mu.Unlock()
		return append([]Alert(nil), received...)
	}
	waitFor := func(what string, ok func([]Alert) bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(got()); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("webhook never received %s; got %+v", what, got())
			}
		}
	}
	time.Sleep(200 * time.Millisecond) // a few quiet rounds: nothing to send
	if a := got(); len(a) != 0 {
		t.Fatalf("alerts sent for a healthy cloud: %+v", a)
	}
	status.set("drained", "maintenance")
	waitFor("the firing alert", func(a []Alert) bool { return len(a) >= 1 })
	if a := got()[0]; a.ID != "node_drained/node-a" || a.State != "firing" || a.Severity != "warning" || !strings.Contains(a.Message, "maintenance") {
		t.Fatalf("first alert: %+v", a)
	}
	status.set("announced", "healthy")
	waitFor("the resolved alert", func(a []Alert) bool { return len(a) >= 2 })
	if a := got()[1]; a.ID != "node_drained/node-a" || a.State != "resolved" || a.Resolved == nil {
		t.Fatalf("second alert: %+v", a)
	}
	for _, want := range []string{`msg="alert firing" kind=node_drained subject=node-a`, `msg="alert resolved" kind=node_drained`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts != 4 {
		t.Errorf("%d POSTs for 2 alerts whose first attempt fails, want 4", attempts)
	}
}
