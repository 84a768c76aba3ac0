package gate

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// Policy tunes the checks.
type Policy struct {
	// MaxShrink is the largest fraction (0..1) of records a new version may
	// lose against the current one; 0 means 0.5. A truncated zone fails it.
	MaxShrink float64
	// AcceptSame lets the serial in service through again (an operator's
	// retransfer to repair a copy); AcceptOlder also lets an older serial
	// through. Both are for one forced transfer only.
	AcceptSame, AcceptOlder bool
	// SkipBuild leaves out the engine build check, which costs about as
	// much as a node's own build of the version (the operator's choice for
	// very large zones where propagation time matters more).
	SkipBuild bool
	// Deltas, when the candidate came by IXFR, lead from the current
	// version to it, so the build check patches the current snapshot.
	Deltas []zonever.Delta
	// Now is the time signatures are checked against; zero means time.Now.
	Now time.Time
	// Size bounds the client's zones (size.go); zero: no bound.
	Size Size

	// candBytes is candidateBytes, set by Check and computed at most once
	// (the size and growth checks both want it; from deltas it is a walk).
	candBytes func() int64
}

// Rejection says why a version was refused.
type Rejection struct {
	Check  string // short name of the failed check, for counters
	Reason string
}

func (r *Rejection) Error() string { return r.Check + ": " + r.Reason }

// Check returns nil when candidate may replace current (nil when there is
// none yet), or the first failed check.
func Check(current, candidate *zonever.Version, p Policy) *Rejection {
	checks := []func(*zonever.Version, *zonever.Version, Policy) *Rejection{
		checkSerial, checkApex, checkShrink, checkSize, checkGrowth, checkZONEMD, checkSignatures, checkBuilds,
	}
	p.candBytes = sync.OnceValue(func() int64 { return candidateBytes(current, candidate, p.Deltas) })
	for _, c := range checks {
		if r := c(current, candidate, p); r != nil {
			return r
		}
	}
	return nil
}

func reject(check, format string, args ...any) *Rejection {
	return &Rejection{Check: check, Reason: fmt.Sprintf(format, args...)}
}

func checkSerial(cur, cand *zonever.Version, p Policy) *Rejection {
	switch {
	case cur == nil, p.AcceptOlder, zonever.SerialNewer(cand.Serial(), cur.Serial()):
		return nil
	case p.AcceptSame && cand.Serial() == cur.Serial():
		return nil
	}
	return reject("serial", "serial %d is not newer than %d in service (RFC 1982); an operator can force it with 'anycloud hub retransfer %s --accept-older'",
		cand.Serial(), cur.Serial(), strings.TrimSuffix(cand.Origin, "."))
}

func checkApex(_, cand *zonever.Version, _ Policy) *Rejection {
	for _, rr := range cand.ApexCandidates(dns.TypeNS) {
		h := rr.Header()
		if h.Rrtype == dns.TypeNS && strings.EqualFold(h.Name, cand.Origin) {
			return nil
		}
	}
	return reject("apex", "no NS record at the apex %s", cand.Origin)
}

func checkShrink(cur, cand *zonever.Version, p Policy) *Rejection {
	if cur == nil {
		return nil
	}
	limit := p.MaxShrink
	if limit <= 0 {
		limit = 0.5
	}
	lost := float64(cur.Len()-cand.Len()) / float64(cur.Len())
	if lost > limit {
		return reject("shrink", "%d records against %d in service: lost %.0f%%, more than the %.0f%% allowed (truncated zone?)",
			cand.Len(), cur.Len(), lost*100, limit*100)
	}
	return nil
}

// checkBuilds builds the serving snapshot the nodes will build, so a version
// the engine refuses (CNAME and other data, a record outside the zone, a
// bad NSEC3 chain) is refused here, with its reason visible at the hub,
// instead of leaving every node stuck on the old version.
func checkBuilds(cur, cand *zonever.Version, p Policy) *Rejection {
	if p.SkipBuild {
		return nil
	}
	if _, err := cand.Snapshot(cur, p.Deltas); err != nil {
		return reject("parse", "the serving engine refuses this version: %v", err)
	}
	return nil
}
