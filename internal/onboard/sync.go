package onboard

import (
	"context"
	"time"

	"anycloud/internal/xfr"
)

// SyncCheck compares the serial every node serves with the primary's.
type SyncCheck struct {
	Zone      string
	Primaries []string
	Key       *xfr.Key // for the primary, which may answer only signed queries
	Nodes     []Target
	Timeout   time.Duration
}

// RunSync passes while every node serves the primary's serial. The
// primary's serial is the highest any primary reports.
func RunSync(ctx context.Context, s SyncCheck) *Report {
	start := time.Now()
	r := newReport(s.Zone, StepSync)
	want, ok := s.primarySerial(ctx, r)
	if !ok {
		return r.finish(start)
	}
	r.fact("primary_serial", "%d", want)
	if len(s.Nodes) == 0 {
		r.add("cloud", "nodes", false, "no node is registered at the hub")
	}
	for _, n := range s.Nodes {
		s.checkNode(ctx, r, n, want)
	}
	if !r.finish(start).Pass {
		r.Todo = "wait for the nodes to catch up (NOTIFY from the primary speeds this up); a node stuck behind needs its operator"
	}
	return r
}

func (s SyncCheck) primarySerial(ctx context.Context, r *Report) (uint32, bool) {
	var best uint32
	found := false
	c := xfr.Client{Key: s.Key, Timeout: s.Timeout}
	for _, p := range s.Primaries {
		a, err := c.QuerySOA(ctx, p, s.Zone)
		if err != nil {
			r.add("primary "+p, "soa", false, "%s", Explain(err))
			continue
		}
		if !found || serialAfter(a.SOA.Serial, best) {
			best, found = a.SOA.Serial, true
		}
	}
	return best, found
}

func (s SyncCheck) checkNode(ctx context.Context, r *Report, n Target, want uint32) {
	label := n.Name + " " + n.Addr
	a, err := xfr.Client{Timeout: s.Timeout}.QuerySOA(ctx, n.Addr, s.Zone)
	switch {
	case err != nil:
		r.add(label, "serial", false, "%s", Explain(err))
	case a.SOA.Serial != want:
		r.add(label, "serial", false, "serves serial %d, the primary has %d (stale)", a.SOA.Serial, want)
	default:
		r.add(label, "serial", true, "serves serial %d", a.SOA.Serial)
	}
}

// serialAfter is RFC 1982 comparison.
func serialAfter(a, b uint32) bool { return a != b && int32(a-b) > 0 }
