package hub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// Retry pacing for NOTIFY to nodes: quick at first, then at most once a
// minute, until the node acknowledges or a newer version supersedes it.
const (
	notifyFirstRetry = time.Second
	notifyMaxRetry   = time.Minute
)

// notifier sends NOTIFY for every new version to every node and retries
// each (node, zone) until acknowledged. Only the newest SOA per zone is
// pending: a node that missed two versions needs one NOTIFY.
type notifier struct {
	h   *Hub
	log *slog.Logger

	mu      sync.Mutex
	pending map[string]map[string]*pendingNotify // node name -> zone -> state
	wake    chan struct{}
	// notify sends one NOTIFY and waits for its acknowledgement:
	// sendNotify; tests put an in-memory node here so the retry timers
	// run on synctest's virtual clock.
	notify func(ctx context.Context, node Node, soa *dns.SOA) error
}

type pendingNotify struct {
	soa     *dns.SOA
	next    time.Time
	backoff time.Duration
}

func newNotifier(h *Hub, log *slog.Logger) *notifier {
	return &notifier{h: h, log: log, pending: map[string]map[string]*pendingNotify{}, wake: make(chan struct{}, 1),
		notify: sendNotify}
}

// zoneChanged queues a NOTIFY of soa to every configured node.
func (n *notifier) zoneChanged(origin string, soa *dns.SOA) {
	var names []string
	for _, node := range n.h.config().Nodes {
		names = append(names, node.Name)
	}
	n.queue(origin, soa, names)
}

// queue makes a NOTIFY of soa pending for the named nodes, replacing any
// older one for the same zone.
func (n *notifier) queue(origin string, soa *dns.SOA, nodes []string) {
	n.mu.Lock()
	for _, name := range nodes {
		if n.pending[name] == nil {
			n.pending[name] = map[string]*pendingNotify{}
		}
		n.pending[name][origin] = &pendingNotify{soa: soa, backoff: notifyFirstRetry}
	}
	n.mu.Unlock()
	n.poke()
}

// nodesChanged drops pending work for nodes no longer configured.
func (n *notifier) nodesChanged() {
	names := map[string]bool{}
	for _, node := range n.h.config().Nodes {
		names[node.Name] = true
	}
	n.mu.Lock()
	for name := range n.pending {
		if !names[name] {
			delete(n.pending, name)
		}
	}
	n.mu.Unlock()
}

func (n *notifier) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// run sends due notifies until ctx ends.
func (n *notifier) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := n.sendDue(ctx)
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-timer.C:
		}
	}
}

type notifyJob struct {
	node   Node
	origin string
	soa    *dns.SOA
}

// sendDue sends every due NOTIFY concurrently and returns how long until
// the next one is due.
func (n *notifier) sendDue(ctx context.Context) time.Duration {
	jobs, wait := n.due(time.Now())
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.finish(j, n.notify(ctx, j.node, j.soa))
		}()
	}
	wg.Wait()
	if len(jobs) > 0 {
		return 10 * time.Millisecond // look again: retries are now scheduled
	}
	return wait
}

func (n *notifier) due(now time.Time) ([]notifyJob, time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	nodes := map[string]Node{}
	for _, node := range n.h.config().Nodes {
		nodes[node.Name] = node
	}
	var jobs []notifyJob
	wait := time.Hour
	for name, zones := range n.pending {
		for origin, p := range zones {
			if !p.next.After(now) {
				jobs = append(jobs, notifyJob{node: nodes[name], origin: origin, soa: p.soa})
				continue
			}
			wait = min(wait, time.Until(p.next))
		}
	}
	return jobs, max(wait, 10*time.Millisecond)
}

func sendNotify(ctx context.Context, node Node, soa *dns.SOA) error {
	c := xfr.Client{Key: node.Key, Timeout: 3 * time.Second}
	return c.Notify(ctx, node.Address, soa)
}

// finish drops an acknowledged NOTIFY unless a newer one replaced it, or
// schedules the retry.
func (n *notifier) finish(j notifyJob, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.pending[j.node.Name][j.origin]
	if p == nil || p.soa != j.soa {
		return
	}
	if err == nil {
		delete(n.pending[j.node.Name], j.origin)
		n.log.Debug("NOTIFY acknowledged", "node", j.node.Name, "zone", j.origin, "serial", j.soa.Serial)
		return
	}
	n.log.Warn("NOTIFY not acknowledged, will retry", "node", j.node.Name, "zone", j.origin, "serial", j.soa.Serial, "err", err, "retry_in", p.backoff)
	p.next = time.Now().Add(p.backoff)
	p.backoff = min(2*p.backoff, notifyMaxRetry)
}

// Pending returns how many NOTIFY are waiting for acknowledgement per node.
func (n *notifier) Pending() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for name, zones := range n.pending {
		out[name] = len(zones)
	}
	return out
}
