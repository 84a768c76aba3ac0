package monitor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Rounds are written as a string: 'x' the condition holds, '.' it does not.
// want marks the rounds after which the alert is firing with 'F'.
func TestHysteresis(t *testing.T) {
	tests := []struct {
		name                   string
		raiseAfter, clearAfter int
		rounds, want           string
	}{
		{"fires after two bad rounds", 2, 3, "xxx", ".FF"},
		{"a single bad round never fires", 2, 3, "x.x.x.x", "......."},
		{"clears after three good rounds", 2, 3, "xx...x", ".FFF.."},
		{"a good round in between does not clear", 2, 3, "xx.x..x...", ".FFFFFFFF."},
		{"raise and clear at once", 1, 1, "x.x", "F.F"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAlerter(AlertConfig{RaiseAfter: tc.raiseAfter, ClearAfter: tc.clearAfter, History: 100})
			now := time.Unix(0, 0)
			var got strings.Builder
			for _, r := range tc.rounds {
				var conds []condition
				if r == 'x' {
					conds = []condition{{"node_stale", "node-a sv.", "critical", "behind"}}
				}
				a.round(conds, now)
				now = now.Add(time.Second)
				if a.active["node_stale/node-a sv."] != nil {
					got.WriteByte('F')
				} else {
					got.WriteByte('.')
				}
			}
			if got.String() != tc.want {
				t.Errorf("rounds %s: firing %s, want %s", tc.rounds, got.String(), tc.want)
			}
		})
	}
}

func TestOneOffEventsResolveAfterHold(t *testing.T) {
	a := newAlerter(AlertConfig{RaiseAfter: 2, ClearAfter: 2, HoldEvent: time.Minute, History: 10})
	now := time.Unix(0, 0)
	fired := a.event(condition{"hub_rejected", "sv.", "critical", "serial went backwards"}, now)
	if len(fired) != 1 || fired[0].State != "firing" {
		t.Fatalf("event did not fire at once: %+v", fired)
	}
	if again := a.event(condition{"hub_rejected", "sv.", "critical", "again"}, now); len(again) != 0 {
		t.Fatalf("a repeated event fired twice: %+v", again)
	}
	if ch := a.round(nil, now.Add(30*time.Second)); len(ch) != 0 {
		t.Fatalf("event resolved before its hold time: %+v", ch)
	}
	ch := a.round(nil, now.Add(61*time.Second))
	if len(ch) != 1 || ch[0].State != "resolved" {
		t.Fatalf("event not resolved after its hold time: %+v", ch)
	}
	if h := a.status().History; len(h) != 2 || h[0].State != "resolved" || h[0].Message != "again" {
		t.Fatalf("history, newest first: %+v", h)
	}
}

// The webhook is retried on 5xx with backoff until it takes the alert.
func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int32
		status    int
		retries   int
		wantCalls int32
		wantErr   bool
	}{
		{"succeeds on the third attempt", 2, http.StatusServiceUnavailable, 3, 3, false},
		{"gives up after the retries", 10, http.StatusInternalServerError, 2, 3, true},
		{"a 4xx is not retried", 10, http.StatusBadRequest, 3, 1, true},
		{"429 is retried", 1, http.StatusTooManyRequests, 3, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			var got Alert
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("got %s with content type %q", r.Method, r.Header.Get("Content-Type"))
				}
				if calls.Add(1) <= tc.failFirst {
					w.WriteHeader(tc.status)
					return
				}
				json.NewDecoder(r.Body).Decode(&got)
			}))
			defer srv.Close()
			s := newWebhookSink(Webhook{URL: srv.URL, Retries: tc.retries, Backoff: 5 * time.Millisecond, Timeout: time.Second})
			al := Alert{ID: "node_drained/node-a", Kind: "node_drained", Subject: "node-a", State: "firing", Message: "drained: maintenance"}
			err := s.Send(context.Background(), al)
			if (err != nil) != tc.wantErr || calls.Load() != tc.wantCalls {
				t.Fatalf("err %v after %d calls; want error %v after %d", err, calls.Load(), tc.wantErr, tc.wantCalls)
			}
			if !tc.wantErr && got.ID != al.ID {
				t.Fatalf("receiver decoded %+v", got)
			}
		})
	}
}
