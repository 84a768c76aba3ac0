package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// A flood of one-off events with ever new subjects fires at most
// maxEventSubjects alerts of the kind plus one that counts the rest.
func TestEventFloodIsCapped(t *testing.T) {
	a := newAlerter(AlertConfig{HoldEvent: time.Minute, History: 200})
	now := time.Unix(0, 0)
	const n = 10000
	fired := 0
	for i := range n {
		fired += len(a.event(condition{"tsig_failure", fmt.Sprintf("key k%d.", i), "critical", "did not verify"}, now))
	}
	if len(a.active) != maxEventSubjects+1 || fired != maxEventSubjects+1 || len(a.events) != maxEventSubjects+1 {
		t.Fatalf("%d events fired %d alerts, %d active, %d held; want %d", n, fired, len(a.active), len(a.events), maxEventSubjects+1)
	}
	over := a.active["tsig_failure/"+overflowSubject]
	if over == nil || over.Count != n-maxEventSubjects || !strings.Contains(over.Message, fmt.Sprintf("key k%d.", n-1)) {
		t.Fatalf("overflow alert: %+v, want count %d naming the latest", over, n-maxEventSubjects)
	}
	// Another kind is not crowded out by the flood.
	if ch := a.event(condition{"hub_rejected", "sv.", "critical", "shrink"}, now); len(ch) != 1 || ch[0].ID != "hub_rejected/sv." {
		t.Fatalf("a real alert after the flood: %+v", ch)
	}
}

// The history stays bounded and a flood of one kind, churning through
// firing and resolving, does not push an older alert of another kind out.
func TestHistoryKeepsOtherKindsThroughAFlood(t *testing.T) {
	const history = 50
	a := newAlerter(AlertConfig{HoldEvent: time.Minute, History: history})
	now := time.Unix(0, 0)
	a.event(condition{"hub_rejected", "sv.", "critical", "shrink"}, now)
	now = now.Add(2 * time.Minute)
	a.round(nil, now) // resolves it: two entries
	for i := range 5000 {
		a.event(condition{"tsig_failure", fmt.Sprintf("key k%d.", i), "critical", "did not verify"}, now)
		if i%maxEventSubjects == maxEventSubjects-1 {
			now = now.Add(2 * time.Minute)
			a.round(nil, now)
		}
	}
	st := a.status()
	if len(st.History) != history {
		t.Fatalf("history holds %d entries, want %d", len(st.History), history)
	}
	kept := 0
	for _, h := range st.History {
		if h.ID == "hub_rejected/sv." {
			kept++
		}
	}
	if kept != 2 {
		t.Fatalf("the real alert has %d of its 2 entries in the history after the flood", kept)
	}
}

// hookReceiver is a real HTTP receiver on loopback that counts POSTs and
// keeps the last alert of each ID; block makes it hang until released.
type hookReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	posts   int
	last    map[string]Alert
	release chan struct{}
}

func newHookReceiver(t *testing.T, block bool) *hookReceiver {
	r := &hookReceiver{last: map[string]Alert{}, release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var a Alert
		json.NewDecoder(req.Body).Decode(&a)
		r.mu.Lock()
		r.posts++
		r.last[a.ID] = a
		r.mu.Unlock()
		if block {
			select {
			case <-r.release:
			case <-req.Context().Done():
			}
		}
	}))
	t.Cleanup(func() { close(r.release); r.srv.Close() })
	return r
}

func (r *hookReceiver) count() (int, map[string]Alert) {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := map[string]Alert{}
	for k, v := range r.last {
		last[k] = v
	}
	return r.posts, last
}

// TestWebhookFlood sends a burst of alert changes to a real receiver: it
// gets at most webhookBurst POSTs at once, the rest wait coalesced per
// alert (a thousand changes of one alert are one entry with the latest),
// a receiver that never answers costs at most webhookPending queued alerts
// and one log line, never a blocked caller, and a real alert of another
// kind after the flood still gets through or waits its turn.
func TestWebhookFlood(t *testing.T) {
	tests := []struct {
		name      string
		block     bool
		ids       int // distinct alert IDs
		changes   int // changes per ID
		wantPosts int // at most, within the wait
		wantQueue int // at most, after the burst
	}{
		{"many alerts", false, 200, 1, webhookBurst, 201 - webhookBurst},
		{"one alert changing", false, 1, 1000, webhookBurst, 2},
		{"dead receiver", true, 10000, 1, 1, webhookPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recv := newHookReceiver(t, tc.block)
			var logs testpeer.LogBuffer
			d := newDispatcher(slog.New(slog.NewTextHandler(&logs, nil)),
				newWebhookSink(Webhook{URL: recv.srv.URL, Retries: 0, Timeout: 10 * time.Second}))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { d.run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			for c := range tc.changes {
				for i := range tc.ids {
					d.enqueue([]Alert{{ID: fmt.Sprintf("tsig_failure/key k%d.", i), Kind: "tsig_failure", State: "firing",
						Message: fmt.Sprintf("change %d", c)}})
				}
			}
			// A real alert after the flood is not shut out by it.
			real := Alert{ID: "hub_rejected/sv.", Kind: "hub_rejected", State: "firing", Message: "shrink"}
			d.enqueue([]Alert{real})
			time.Sleep(time.Second) // the burst goes out; the next token is webhookEvery away
			posts, last := recv.count()
			queued := d.hook.queued()
			t.Logf("%d changes: %d POSTs, %d waiting", tc.ids*tc.changes, posts, queued)
			if posts == 0 || posts > tc.wantPosts {
				t.Errorf("%d POSTs within a second, want 1 to %d", posts, tc.wantPosts)
			}
			if queued > tc.wantQueue || queued > webhookPending {
				t.Errorf("%d alerts waiting, want at most %d", queued, min(tc.wantQueue, webhookPending))
			}
			d.hook.mu.Lock()
			_, waiting := d.hook.pending[real.ID]
			d.hook.mu.Unlock()
			if _, sent := last[real.ID]; !sent && !waiting {
				t.Errorf("the real alert after the flood was dropped")
			}
			if tc.changes > 1 {
				// The latest change is delivered, or waits as the only entry.
				got := last["tsig_failure/key k0."].Message
				d.hook.mu.Lock()
				if w, ok := d.hook.pending["tsig_failure/key k0."]; ok {
					got = w.Message
				}
				d.hook.mu.Unlock()
				if got != fmt.Sprintf("change %d", tc.changes-1) {
					t.Errorf("the latest state of the changing alert is %q, want the last change", got)
				}
			}
			if n := strings.Count(logs.String(), "webhook queue full"); n > 1 {
				t.Errorf("%d log lines about the full queue, want at most 1 a minute", n)
			}
		})
	}
}
