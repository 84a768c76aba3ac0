package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lineLog keeps "message count=N @offset" for each log line with a count.
type lineLog struct {
	start time.Time
	mu    *sync.Mutex
	lines *[]string
}

func (l lineLog) Enabled(context.Context, slog.Level) bool { return true }
func (l lineLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l lineLog) WithGroup(string) slog.Handler            { return l }
func (l lineLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "count" {
			l.mu.Lock()
			*l.lines = append(*l.lines, fmt.Sprintf("count=%v @%v", a.Value, time.Since(l.start)))
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

// blockedSink never answers until the queue stops: a dead receiver.
type blockedSink struct{}

func (blockedSink) Send(ctx context.Context, _ Alert) error {
	<-ctx.Done()
	return ctx.Err()
}

// With the receiver hung, the queue holds webhookPending alerts and drops
// the rest; the drops are logged as a count at most once a minute: the
// first at once, the next batch only 60s later.
func TestWebhookDroppedLoggedOncePerMinute_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		var lines []string
		q := newHookQueue(blockedSink{}, slog.New(lineLog{start, &mu, &lines}))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); q.run(ctx) }()
		n := 0
		pushN := func(count int) {
			for range count {
				q.push(Alert{ID: fmt.Sprintf("k/%d", n), Kind: "k", Subject: fmt.Sprint(n), State: "firing"})
				n++
			}
		}
		pushN(1)        // taken by run, which hangs in Send
		synctest.Wait() // run is blocked in Send
		pushN(256 + 5)  // fills the queue (webhookPending), 5 dropped: 1 logged now
		time.Sleep(30 * time.Second)
		pushN(3) // dropped, not logged yet
		time.Sleep(30*time.Second - time.Nanosecond)
		pushN(1) // 59.999999999s: still within the minute
		time.Sleep(time.Nanosecond)
		pushN(1) // 60s: the 4+3+1+1 waiting drops logged
		if got, want := q.queued(), 256; got != want {
			t.Errorf("%d queued, want %d", got, want)
		}
		cancel()
		<-done
		if got, want := fmt.Sprint(lines), "[count=1 @0s count=9 @1m0s]"; got != want {
			t.Fatalf("log lines %s, want %s", got, want)
		}
	})
}
