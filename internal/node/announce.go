package node

import (
	"context"
	"net/netip"
	"time"

	"anycloud/internal/announce"
)

// newAnnouncer builds the announcer with the node's health checks: a real
// SOA query over each service address for every zone in service, something
// left to serve, a default route per family. Nothing here looks at the hub:
// a node that lost the hub keeps serving its copies and stays announced
// until they expire; an expired zone is answered SERVFAIL (as NSD and Knot
// do) while the others are still served, and the node withdraws once every
// zone has expired, with nothing left to serve.
func (n *Node) newAnnouncer() (*announce.Announcer, error) {
	a := n.cfg.Announce
	checks := announce.NodeChecks(a.Service, a.CheckPort, n.servedZones, n.expiredZones)
	cfg := a.Config
	cfg.Traffic = n.serviceTraffic
	return announce.New(cfg, checks, n.log.With("part", "announce"))
}

// serviceTraffic counts the queries that reached the service addresses
// from other hosts (the health checks come from loopback and do not
// count), which a drain watches to know the traffic has moved. A service
// address served through a wildcard listen address is counted with
// everything else that wildcard socket receives over UDP.
func (n *Node) serviceTraffic() uint64 {
	a := n.cfg.Announce
	var total uint64
	seen := map[netip.Addr]bool{}
	count := func(addr netip.Addr) {
		if !seen[addr] {
			seen[addr] = true
			total += n.srv.QueriesFromAway(addr)
		}
	}
	for _, s := range a.Service {
		count(s)
		for _, l := range n.cfg.Listen {
			if ap, err := netip.ParseAddrPort(l); err == nil && ap.Addr().IsUnspecified() && ap.Addr().Is4() == s.Is4() {
				count(ap.Addr())
			}
		}
	}
	return total
}

// servedZones lists the member zones that have a version in service and
// have not expired.
func (n *Node) servedZones() []string {
	var out []string
	for _, m := range n.memberList() {
		if m.cur.Load() != nil && !m.expired() {
			out = append(out, m.origin)
		}
	}
	return out
}

// expiredZones lists the member zones past their SOA EXPIRE once no zone is
// left to serve (the health check then withdraws with them as the reason);
// while one zone is still served it returns none, so one client's expired
// zone does not take the others off the air.
func (n *Node) expiredZones() []string {
	var out []string
	for _, m := range n.memberList() {
		switch {
		case m.expired():
			out = append(out, m.origin)
		case m.cur.Load() != nil:
			return nil
		}
	}
	return out
}

func (m *member) expired() bool { return m.sec != nil && m.sec.Status().Expired }

func (n *Node) memberList() []*member {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*member, 0, len(n.members))
	for _, m := range n.members {
		out = append(out, m)
	}
	return out
}

// runAnnouncer runs the announcer until ctx ends (it withdraws and closes
// its sessions then); done receives its error.
func (n *Node) runAnnouncer(ctx context.Context, done chan<- error) {
	if n.ann == nil {
		return
	}
	go func() { done <- n.ann.Run(ctx) }()
}

// drainBeforeStop withdraws and waits for traffic to move, so that a
// planned stop loses no query. A node that was not announced has nothing
// to drain and stops at once (Drain does not wait then).
func (n *Node) drainBeforeStop() {
	if n.ann == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), drainBound(n.cfg.Announce.Config)+10*time.Second)
	defer cancel()
	n.log.Info("stopping: graceful shutdown, then withdrawing", "graceful_wait", n.cfg.Announce.Config.GracefulWait, "drain_wait", n.cfg.Announce.Config.DrainWait)
	if err := n.ann.Drain(ctx); err != nil {
		n.log.Warn("drain before stop incomplete", "err", err)
	}
}

// drainBound is the longest a drain can take when the speaker answers.
func drainBound(c announce.Config) time.Duration {
	c = c.WithDefaults()
	return c.GracefulWait + c.DrainWait
}
