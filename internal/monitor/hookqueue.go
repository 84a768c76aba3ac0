package monitor

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Webhook delivery limits. The webhook gets at most webhookBurst POSTs at
// once, then one every webhookEvery. Changes waiting meanwhile coalesce by
// alert ID (the latest state of an alert replaces the one waiting; a
// resolved alert still carries its since, so nothing is lost that the
// receiver needs), and at most webhookPending alerts wait (further changes
// are dropped, and counted in the log once a minute; an alert of a kind
// with few waiting displaces one of the kind with the most, so a flood of
// one kind cannot keep the others out): a slow or dead receiver costs a
// bounded queue, never a goroutine or a buffer per alert.
const (
	webhookBurst   = 10
	webhookEvery   = 6 * time.Second
	webhookPending = 256
)

// hookQueue is the webhook's bounded, coalescing, rate-limited queue.
type hookQueue struct {
	sink    Sink
	log     *slog.Logger
	limit   bucket
	max     int
	mu      sync.Mutex
	order   []string         // alert IDs, first queued first
	pending map[string]Alert // the latest change of each
	dropped int              // changes refused because the queue was full, not yet logged
	logNext time.Time        // when the next line about dropped changes may be written
	wake    chan struct{}
}

func newHookQueue(sink Sink, log *slog.Logger) *hookQueue {
	return &hookQueue{sink: sink, log: log, limit: bucket{burst: webhookBurst, every: webhookEvery}, max: webhookPending,
		pending: map[string]Alert{}, wake: make(chan struct{}, 1)}
}

// push queues a; it never blocks. Changes refused by a full queue are
// logged as a count, one line a minute at most.
func (q *hookQueue) push(a Alert) {
	q.mu.Lock()
	_, queued := q.pending[a.ID]
	switch {
	case queued:
		q.pending[a.ID] = a
	case len(q.order) >= q.max && !q.evictForKind(a.Kind):
		q.dropped++
		q.logDropped()
	default:
		q.order = append(q.order, a.ID)
		q.pending[a.ID] = a
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *hookQueue) pop() (Alert, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.logDropped()
	if len(q.order) == 0 {
		return Alert{}, false
	}
	id := q.order[0]
	q.order = q.order[1:]
	a := q.pending[id]
	delete(q.pending, id)
	return a, true
}

// evictForKind makes room in the full queue for an alert of kind by
// dropping the oldest waiting alert of the kind with the most waiting, if
// that kind has more than kind: a flood of one kind then sheds its own
// changes, and an alert of another kind still gets through. q.mu held.
func (q *hookQueue) evictForKind(kind string) bool {
	i, most, count := oldestOfCommonestKind(q.order, func(id string) string { return q.pending[id].Kind })
	if count[most] <= count[kind]+1 {
		return false
	}
	delete(q.pending, q.order[i])
	q.order = append(q.order[:i], q.order[i+1:]...)
	q.dropped++
	q.logDropped()
	return true
}

// logDropped writes how many changes the full queue refused since the
// last such line, if any and if a minute has passed; q.mu held.
func (q *hookQueue) logDropped() {
	now := time.Now()
	if q.dropped == 0 || now.Before(q.logNext) {
		return
	}
	q.log.Error("webhook queue full: alert changes dropped (the receiver is slow or down)", "count", q.dropped, "queued", len(q.order))
	q.dropped, q.logNext = 0, now.Add(time.Minute)
}

func (q *hookQueue) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// run delivers in order, one at a time, as the rate allows, until ctx is
// done. It takes the next alert only once it may send it, so changes
// arriving while it waits still coalesce.
func (q *hookQueue) run(ctx context.Context) {
	for {
		for q.queued() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
			}
		}
		if !q.limit.wait(ctx) {
			return
		}
		a, ok := q.pop()
		if !ok {
			continue
		}
		if err := q.sink.Send(ctx, a); err != nil {
			q.log.Error("alert not delivered", "id", a.ID, "err", err)
		}
	}
}

// bucket is a token bucket: burst tokens at most, one more every every.
type bucket struct {
	burst  int
	every  time.Duration
	tokens float64
	last   time.Time
}

// wait takes a token, sleeping until there is one; false if ctx ends first.
func (b *bucket) wait(ctx context.Context) bool {
	now := time.Now()
	if b.last.IsZero() {
		b.tokens = float64(b.burst)
	} else {
		b.tokens = min(float64(b.burst), b.tokens+float64(now.Sub(b.last))/float64(b.every))
	}
	b.last = now
	if b.tokens < 1 {
		t := time.NewTimer(time.Duration((1 - b.tokens) * float64(b.every)))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		b.tokens, b.last = 1, time.Now()
	}
	b.tokens--
	return true
}
