package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The webhook timers run inside synctest bubbles: the queue's token bucket
// and the sink's retry backoff on the virtual clock, the receiver in memory.

// recordSink notes when each alert was delivered (virtual offset).
type recordSink struct {
	start time.Time
	mu    sync.Mutex
	got   []string // "ID state @offset"
}

func (s *recordSink) Send(_ context.Context, a Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, fmt.Sprintf("%s %s @%v", a.ID, a.State, time.Since(s.start)))
	return nil
}

func (s *recordSink) deliveries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// push is a batch of alert changes pushed at one virtual offset.
type push struct {
	at    time.Duration
	ids   []string
	state string
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// The queue delivers webhookBurst at once, then one every webhookEvery; an
// idle queue refills one token per webhookEvery up to the burst; changes
// of an alert waiting for its turn coalesce into its latest state.
func TestWebhookRateLimit_synctest(t *testing.T) {
	// at returns n entries "k/<prefix><i> firing @d" for i in [from, to).
	at := func(prefix string, from, to int, d time.Duration) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("k/%s%d firing @%v", prefix, i, d))
		}
		return out
	}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		pushes  []push
		horizon time.Duration
		want    []string
	}{
		{"burst then one every 6s", []push{{0, ids("a", 13), "firing"}}, time.Minute,
			cat(at("a", 0, 10, 0), at("a", 10, 11, 6*time.Second), at("a", 11, 12, 12*time.Second), at("a", 12, 13, 18*time.Second))},
		{"partial refill: 15s idle gives 2.5 tokens", []push{{0, ids("a", 10), "firing"}, {15 * time.Second, ids("b", 3), "firing"}}, time.Minute,
			cat(at("a", 0, 10, 0), at("b", 0, 2, 15*time.Second), at("b", 2, 3, 18*time.Second))},
		{"a full minute idle refills the whole burst", []push{{0, ids("a", 10), "firing"}, {time.Minute, ids("b", 11), "firing"}}, 2 * time.Minute,
			cat(at("a", 0, 10, 0), at("b", 0, 10, time.Minute), at("b", 10, 11, 66*time.Second))},
		{"a waiting alert coalesces to its latest state",
			[]push{{0, ids("a", 11), "firing"}, {time.Second, []string{"a10"}, "resolved"}}, time.Minute,
			cat(at("a", 0, 10, 0), []string{"k/a10 resolved @6s"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &recordSink{start: time.Now()}
				q := newHookQueue(sink, slog.New(slog.NewTextHandler(io.Discard, nil)))
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { defer close(done); q.run(ctx) }()
				for _, p := range tt.pushes {
					time.Sleep(p.at - time.Since(sink.start))
					for _, id := range p.ids {
						q.push(Alert{ID: "k/" + id, Kind: "k", Subject: id, State: p.state})
					}
				}
				time.Sleep(tt.horizon - time.Since(sink.start))
				cancel()
				<-done
				if got := sink.deliveries(); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
					t.Fatalf("delivered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
			})
		})
	}
}

// roundTrip answers webhook POSTs in memory with the next status of a
// script, noting when each attempt came.
type scriptedReceiver struct {
	start    time.Time
	statuses []int // one per attempt; an entry 0 is a network error
	attempts []time.Duration
}

func (r *scriptedReceiver) RoundTrip(req *http.Request) (*http.Response, error) {
	i := len(r.attempts)
	r.attempts = append(r.attempts, time.Since(r.start))
	req.Body.Close()
	status := http.StatusOK
	if i < len(r.statuses) {
		status = r.statuses[i]
	}
	if status == 0 {
		return nil, errors.New("connection refused")
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Body: http.NoBody, Request: req}, nil
}

// The webhook sink retries network errors, 5xx and 429 after Backoff,
// doubling, Retries times at most; another 4xx is not retried.
func TestWebhookRetryBackoff_synctest(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		wantAt   []time.Duration
		wantErr  bool
	}{
		{"delivered at once", []int{200}, []time.Duration{0}, false},
		{"503 then 429 then ok", []int{503, 429, 200}, []time.Duration{0, 2 * time.Second, 6 * time.Second}, false},
		{"network errors until given up", []int{0, 0, 0, 0, 0}, []time.Duration{0, 2 * time.Second, 6 * time.Second, 14 * time.Second}, true},
		{"400 is not retried", []int{400}, []time.Duration{0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := &scriptedReceiver{start: time.Now(), statuses: tt.statuses}
				s := newWebhookSink(Webhook{URL: "http://192.0.2.1/hook", Retries: 3, Backoff: 2 * time.Second, Timeout: 5 * time.Second})
				s.client.Transport = r
				err := s.Send(t.Context(), Alert{ID: "k/x", Kind: "k", Subject: "x", State: "firing"})
				if (err != nil) != tt.wantErr {
					t.Fatalf("Send: %v, want error %v", err, tt.wantErr)
				}
				if fmt.Sprint(r.attempts) != fmt.Sprint(tt.wantAt) {
					t.Fatalf("attempts at %v, want %v", r.attempts, tt.wantAt)
				}
			})
		})
	}
}
