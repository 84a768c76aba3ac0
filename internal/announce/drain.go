package announce

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// drainPoll is how often Drain reads the traffic counter.
const drainPoll = 50 * time.Millisecond

// errUndrained ends a drain that an Undrain overtook.
var errUndrained = errors.New("drain: undrained meanwhile")

// Drain takes the node out of service without losing a query (RFC 8326):
//
//  1. it announces the prefixes again with the GRACEFUL_SHUTDOWN community
//     (65535:0) and DrainPrepend more copies of the local AS, so that
//     routers that honour it (local preference 0) or compare path lengths
//     move the traffic to other nodes while this route still exists;
//  2. once no query has reached the service addresses from another host
//     for DrainQuiet (or GracefulWait has passed), it withdraws;
//  3. it keeps answering until the traffic is still again for DrainQuiet
//     or DrainWait has passed, and returns; the caller may then stop.
//
// A drained announcer stays withdrawn until Undrain. When nothing was
// announced there is no traffic to move and Drain returns at once. A Drain
// that finds another under way follows it instead of starting over.
func (a *Announcer) Drain(ctx context.Context) error {
	a.mu.Lock()
	gen := a.undrain
	if a.drain == drainNone {
		a.drain = drainGraceful
	}
	phase := a.drain
	a.mu.Unlock()
	if phase == drainGraceful {
		graceful, err := a.waitApplied(ctx, func(m routeMode) bool { return m != routeNormal })
		if err != nil {
			return err
		}
		if graceful {
			a.log.Info("draining: graceful shutdown announced, waiting for the traffic to move", "max", a.cfg.GracefulWait)
			moved, err := a.waitQuiet(ctx, gen, a.cfg.GracefulWait)
			if err != nil {
				return err
			}
			a.log.Info("draining: withdrawing", "traffic_gone", moved)
		}
		a.mu.Lock()
		if a.undrain != gen {
			a.mu.Unlock()
			return errUndrained
		}
		a.drain = drainWithdrawn
		a.mu.Unlock()
	}
	withdrew, err := a.waitWithdrawn(ctx)
	if err != nil || !withdrew {
		return err
	}
	a.log.Info("drained: withdrawn, answering until the traffic stops", "max", a.cfg.DrainWait)
	still, err := a.waitQuiet(ctx, gen, a.cfg.DrainWait)
	if err == nil {
		a.log.Info("drained", "traffic_gone", still)
	}
	return err
}

// Undrain lets health decide again.
func (a *Announcer) Undrain() {
	a.mu.Lock()
	a.drain = drainNone
	a.undrain++
	a.mu.Unlock()
	a.nudge()
}

// waitQuiet waits until Traffic has not moved for DrainQuiet, or limit has
// passed (it reports false then), or Undrain was called. Without Traffic
// it waits all of limit.
func (a *Announcer) waitQuiet(ctx context.Context, gen uint64, limit time.Duration) (bool, error) {
	start := time.Now()
	deadline := start.Add(limit)
	last, changed := uint64(0), start
	if a.cfg.Traffic != nil {
		last = a.cfg.Traffic()
	}
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("drain: %w", ctx.Err())
		case now := <-t.C:
			a.mu.Lock()
			undrained := a.undrain != gen
			a.mu.Unlock()
			if undrained {
				return false, errUndrained
			}
			if a.cfg.Traffic != nil {
				if n := a.cfg.Traffic(); n != last {
					last, changed = n, now
				} else if now.Sub(changed) >= a.cfg.DrainQuiet {
					return true, nil
				}
			}
			if now.After(deadline) {
				return false, nil
			}
		}
	}
}

// waitApplied blocks until a reconcile pass that started after the caller
// changed the drain phase has completed (a pass already in flight has not
// seen it) and done(mode) holds, or nothing runs. It reports whether the
// route was announced (in any form) at that point.
func (a *Announcer) waitApplied(ctx context.Context, done func(routeMode) bool) (bool, error) {
	for pass := 0; ; pass++ {
		a.nudge()
		a.mu.Lock()
		have, running, ch := a.have, a.running, a.applied
		a.mu.Unlock()
		if !running {
			return false, nil
		}
		if pass > 0 && done(have) {
			return have != routeOff, nil
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("drain: waiting for the speaker: %w", ctx.Err())
		case <-ch:
		}
	}
}

// waitWithdrawn blocks until the reconcile goroutine has applied the
// withdrawal (or nothing was running to withdraw), and reports whether the
// prefixes were announced on the way.
func (a *Announcer) waitWithdrawn(ctx context.Context) (bool, error) {
	a.mu.Lock()
	before, was := a.withdrawals, a.have != routeOff
	a.mu.Unlock()
	_, err := a.waitApplied(ctx, func(m routeMode) bool { return m == routeOff })
	a.mu.Lock()
	withdrew := was || a.withdrawals != before
	a.mu.Unlock()
	return withdrew, err
}

// GracefulShutdown returns prefixes as RFC 8326 wants them announced before
// a planned withdrawal: with the GRACEFUL_SHUTDOWN community (65535:0) and
// extra more copies of the local AS (capped at MaxPrepend in all), the
// rest of each prefix's policy unchanged, so export policies that accept
// the service prefixes accept these too.
func GracefulShutdown(prefixes []Prefix, extra int) []Prefix {
	out := make([]Prefix, len(prefixes))
	for i, p := range prefixes {
		p.Communities = append(append([]string(nil), p.Communities...), "graceful-shutdown")
		p.Prepend = min(p.Prepend+extra, MaxPrepend)
		out[i] = p
	}
	return out
}
