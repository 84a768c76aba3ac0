package hub

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"
)

// fakeNodes acknowledges a node's NOTIFY only from its upAt offset on, and
// records when each NOTIFY was sent (virtual offsets from start).
type fakeNodes struct {
	start time.Time
	mu    sync.Mutex
	upAt  map[string]time.Duration // absent: never acknowledges
	sent  map[string][]time.Duration
	got   map[string][]uint32 // serials sent
}

func (f *fakeNodes) notify(_ context.Context, node Node, soa *dns.SOA) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := time.Since(f.start)
	f.sent[node.Name] = append(f.sent[node.Name], at)
	f.got[node.Name] = append(f.got[node.Name], soa.Serial)
	if up, ok := f.upAt[node.Name]; ok && at >= up {
		return nil
	}
	return errors.New("no acknowledgement")
}

// A NOTIFY to a node is retried 1s after the first failure, the wait
// doubling to at most a minute, until the node acknowledges; it never
// gives up on a configured node. A newer version replaces the pending one
// and restarts the pacing.
func TestNotifyRetrySchedule_synctest(t *testing.T) {
	tests := []struct {
		name     string
		upAt     map[string]time.Duration
		newer    time.Duration // a newer serial is queued then (0: none)
		horizon  time.Duration
		wantSent map[string][]time.Duration
		pending  map[string]int
	}{
		{"acknowledged at once", map[string]time.Duration{"n1": 0}, 0, 10 * time.Minute,
			map[string][]time.Duration{"n1": secsD(0)}, map[string]int{"n1": 0}},
		{"backoff doubles to a minute, then acknowledged", map[string]time.Duration{"n1": 180 * time.Second}, 0, 10 * time.Minute,
			map[string][]time.Duration{"n1": secsD(0, 1, 3, 7, 15, 31, 63, 123, 183)}, map[string]int{"n1": 0}},
		{"never acknowledged: still retried each minute", nil, 0, 5 * time.Minute,
			map[string][]time.Duration{"n1": secsD(0, 1, 3, 7, 15, 31, 63, 123, 183, 243)}, map[string]int{"n1": 1}},
		{"a newer version restarts the pacing", nil, 100 * time.Second, 110 * time.Second,
			map[string][]time.Duration{"n1": secsD(0, 1, 3, 7, 15, 31, 63, 100, 101, 103, 107)}, map[string]int{"n1": 1}},
		{"each node on its own", map[string]time.Duration{"n1": 0, "n2": 5 * time.Second}, 0, time.Minute,
			map[string][]time.Duration{"n1": secsD(0), "n2": secsD(0, 1, 3, 7)}, map[string]int{"n1": 0, "n2": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &Hub{}
				var nodes []Node
				for name := range tt.wantSent {
					nodes = append(nodes, Node{Name: name, Address: "192.0.2.1:53"})
				}
				h.cfg.Store(&Config{Nodes: nodes})
				f := &fakeNodes{start: time.Now(), upAt: tt.upAt, sent: map[string][]time.Duration{}, got: map[string][]uint32{}}
				n := newNotifier(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
				n.notify = f.notify
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { defer close(done); n.run(ctx) }()
				n.zoneChanged("example.", soaSerial(1))
				if tt.newer > 0 {
					time.Sleep(tt.newer)
					n.zoneChanged("example.", soaSerial(2))
				}
				time.Sleep(tt.horizon - time.Since(f.start))
				cancel()
				<-done
				for name, want := range tt.wantSent {
					if got := f.sent[name]; !equalDurations(got, want) {
						t.Errorf("NOTIFY to %s sent at %v, want %v", name, got, want)
					}
					if got := n.Pending()[name]; got != tt.pending[name] {
						t.Errorf("%s: %d pending, want %d", name, got, tt.pending[name])
					}
				}
				if tt.newer > 0 {
					serials := f.got["n1"]
					if before := serials[6]; before != 1 {
						t.Errorf("serial %d sent before the newer version, want 1", before)
					}
					for _, s := range serials[7:] {
						if s != 2 {
							t.Fatalf("serial %d sent after the newer version was queued, want only 2", s)
						}
					}
				}
			})
		})
	}
}

func soaSerial(serial uint32) *dns.SOA {
	return &dns.SOA{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
		Ns: "ns.example.", Mbox: "h.example.", Serial: serial, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 60}
}

func secsD(s ...float64) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v * float64(time.Second))
	}
	return out
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
