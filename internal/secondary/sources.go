package secondary

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// Source is one independent server of the zone (a hub, for a node): its
// addresses are tried in turn and its requests are signed with its own
// client (key). Every source is asked at each check.
type Source struct {
	Name    string
	Servers []string
	Client  Server // an xfr.Client with this source's key
}

// SourceStatus is what the last check learnt from one source.
type SourceStatus struct {
	Name   string  `json:"name"`
	Server string  `json:"server,omitempty"` // the address that answered
	Serial *uint32 `json:"serial,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// soaResult is one source's answer to a SOA check.
type soaResult struct {
	src    Source
	server string
	ans    *xfr.SOAAnswer
	at     time.Time // when the answer arrived
	err    error
}

func (r soaResult) serial() uint32 { return r.ans.SOA.Serial }

// KeptNewer is a check where every hub that answered has an older serial
// than the version in service, and they did not all answer or agree: the
// version in service stays (package doc).
type KeptNewer struct {
	Origin  string
	Current uint32
	Reason  string
}

func (e *KeptNewer) Error() string {
	return fmt.Sprintf("keeping serial %d of %s: %s", e.Current, e.Origin, e.Reason)
}

// checkSources asks every source for its SOA at once, then takes the zone
// from the one with the highest serial (the rule is in the package doc).
func (z *Zone) checkSources(ctx context.Context, req Request) error {
	srcs := z.Sources()
	results := z.askSources(ctx, srcs)
	z.recordSources(results)
	var answered []soaResult
	var errs []error
	for _, r := range results {
		if r.err == nil {
			answered = append(answered, r)
		} else {
			errs = append(errs, r.err)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(answered) == 0 {
		return joinErrors(errs)
	}
	z.contactAny(answered)
	// Newest first; ties keep the configured order.
	sort.SliceStable(answered, func(i, j int) bool {
		return zonever.SerialNewer(answered[i].serial(), answered[j].serial())
	})
	cur := z.Current()
	if cur == nil {
		return z.takeFirst(ctx, answered, nil, req)
	}
	var newer []soaResult
	same := false
	for _, r := range answered {
		switch {
		case zonever.SerialNewer(r.serial(), cur.Serial()):
			newer = append(newer, r)
		case r.serial() == cur.Serial():
			same = true
		}
	}
	switch {
	case len(newer) > 0:
		return z.takeFirst(ctx, newer, cur, req)
	case same && req.Forced:
		return z.takeFirst(ctx, answered[:1], nil, req)
	case same:
		return nil // up to date; a hub that lags is not followed
	}
	// Every hub that answered is older than the version in service.
	if why := olderNotAgreed(answered, len(srcs)); why != "" {
		return &KeptNewer{Origin: z.Origin, Current: cur.Serial(), Reason: why}
	}
	z.Log.Warn("every hub serves the same older serial: following it (an operator's retransfer --accept-older at the hubs)",
		"zone", z.Origin, "serial", answered[0].serial(), "was", cur.Serial())
	req.Forced, req.AcceptOlder = true, true
	return z.takeFirst(ctx, answered[:1], nil, req)
}

// olderNotAgreed says why an older serial must not be followed, or "" when
// every configured source answered with that same serial.
func olderNotAgreed(answered []soaResult, configured int) string {
	var seen []string
	agree := true
	for _, r := range answered {
		seen = append(seen, fmt.Sprintf("%s=%d", r.src.Name, r.serial()))
		agree = agree && r.serial() == answered[0].serial()
	}
	switch {
	case len(answered) < configured:
		return fmt.Sprintf("the hubs that answered are older (%s) but only %d of %d hubs answered; an older serial is followed only when every hub serves it",
			strings.Join(seen, ", "), len(answered), configured)
	case !agree:
		return fmt.Sprintf("the hubs are older and do not agree (%s); an older serial is followed only when every hub serves it",
			strings.Join(seen, ", "))
	}
	return ""
}

// takeFirst transfers from the first candidate that works. have is the
// version to start an IXFR from (nil: AXFR); a transfer must bring a serial
// newer than have, or exactly the serial the candidate announced when an
// older one is being followed.
func (z *Zone) takeFirst(ctx context.Context, cands []soaResult, have *zonever.Version, req Request) error {
	var errs []error
	for _, c := range cands {
		err := z.transferFrom(ctx, c, have, req)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		z.Log.Warn("transfer from a hub failed, trying the next", "zone", z.Origin, "hub", c.src.Name, "err", err)
		errs = append(errs, err)
	}
	return joinErrors(errs)
}

func (z *Zone) transferFrom(ctx context.Context, c soaResult, have *zonever.Version, req Request) error {
	// The hub may have changed between its SOA answer and the transfer (a
	// restart from an older copy): never take a version back unless this
	// is the agreed older serial.
	keep := func(v *zonever.Version) error {
		got, cur := v.Serial(), z.Current()
		switch {
		case cur == nil:
		case zonever.SerialNewer(got, cur.Serial()):
		case got == cur.Serial() && req.Forced:
		case req.AcceptOlder && got == c.serial():
		default:
			return fmt.Errorf("transfer brought serial %d, not newer than %d in service: refused", got, cur.Serial())
		}
		return nil
	}
	err := z.pull(ctx, c.src.Client, c.server, have, req, keep)
	if _, refused := err.(*Refused); err == nil || refused {
		return err
	}
	return fmt.Errorf("hub %s: %w", c.src.Name, err)
}

// askSources asks every source at once (their number is bounded by the
// owner's configuration), each trying its addresses in turn.
func (z *Zone) askSources(ctx context.Context, srcs []Source) []soaResult {
	out := make([]soaResult, len(srcs))
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = z.askSource(ctx, s)
		}()
	}
	wg.Wait()
	return out
}

func (z *Zone) askSource(ctx context.Context, s Source) soaResult {
	var errs []error
	for _, server := range s.Servers {
		ans, err := s.Client.QuerySOA(ctx, server, z.Origin)
		z.attempted(server, "soa", err)
		if err == nil && ans.SOA != nil {
			return soaResult{src: s, server: server, ans: ans, at: time.Now()}
		}
		if err == nil {
			err = fmt.Errorf("%s: no SOA in the answer", server)
		}
		errs = append(errs, fmt.Errorf("SOA check: %w", err))
		if ctx.Err() != nil {
			break
		}
	}
	return soaResult{src: s, err: fmt.Errorf("hub %s: %w", s.Name, joinErrors(errs))}
}

// contactAny restarts the expire timer from the answer that leaves the
// zone the longest to live (its arrival plus the expire that hub gave): the
// zone expires only when no hub has answered for that long, so losing one
// hub never expires it.
func (z *Zone) contactAny(answered []soaResult) {
	best := answered[0]
	for _, r := range answered[1:] {
		if r.expiresAt().After(best.expiresAt()) {
			best = r
		}
	}
	z.contact(best.server, best.ans, best.at)
}

func (r soaResult) expiresAt() time.Time { return r.at.Add(expireOf(r.ans.SOA, r.ans.Expire)) }

func (z *Zone) recordSources(results []soaResult) {
	st := make([]SourceStatus, len(results))
	for i, r := range results {
		st[i] = SourceStatus{Name: r.src.Name, Server: r.server}
		if r.err != nil {
			st[i].Error = r.err.Error()
		} else {
			serial := r.serial()
			st[i].Serial = &serial
		}
	}
	z.mu.Lock()
	z.st.Sources = st // LastCheck is set with the check's outcome (check)
	z.mu.Unlock()
}
