package secondary

import (
	"context"
	"fmt"
	"time"

	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// Run checks the zone at once, then at each refresh, retry, NOTIFY or
// operator request, until ctx ends.
func (z *Zone) Run(ctx context.Context) {
	z.init()
	req := Request{}
	for {
		z.checkStarting()
		err := z.check(ctx, req)
		z.checkDone(err)
		if ctx.Err() != nil {
			return
		}
		refresh, retry := z.intervals()
		wait := refresh
		if err != nil {
			wait = retry
			z.Log.Warn("zone refresh failed", "zone", z.Origin, "err", err, "retry_in", retry)
		}
		z.setNext(time.Now().Add(wait))
		req = z.sleep(ctx, wait)
		if ctx.Err() != nil {
			return // no last check toward the servers once stopped
		}
	}
}

// sleep waits for the next check, waking at expiry to report it. A NOTIFY
// within MinNotifyInterval of the last check's start brings the check
// forward to the end of that interval instead of starting it at once.
func (z *Zone) sleep(ctx context.Context, wait time.Duration) Request {
	due := time.Now().Add(wait)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		expiry := time.NewTimer(z.untilExpiry())
		select {
		case <-ctx.Done():
			expiry.Stop()
			return Request{}
		case r := <-z.wake:
			expiry.Stop()
			hold := z.notifyHeld(time.Now())
			if r.Forced || hold <= 0 {
				return r
			}
			z.holdNotify(hold)
			if at := time.Now().Add(hold); at.Before(due) {
				due = at
				deadline.Reset(hold)
				z.setNext(due)
			}
		case <-deadline.C:
			expiry.Stop()
			return Request{}
		case <-expiry.C:
			z.checkExpired()
		}
	}
}

func (z *Zone) untilExpiry() time.Duration {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.st.Expired || z.st.ExpiresAt.IsZero() {
		return 24 * time.Hour
	}
	return max(time.Until(z.st.ExpiresAt), time.Millisecond)
}

func (z *Zone) checkExpired() {
	z.mu.Lock()
	expired := !z.st.ExpiresAt.IsZero() && !time.Now().Before(z.st.ExpiresAt)
	changed := expired && !z.st.Expired
	z.st.Expired = z.st.Expired || expired
	z.mu.Unlock()
	if changed {
		z.Log.Error("zone expired: no server reached within the expire time, answering SERVFAIL", "zone", z.Origin)
		z.Expired(true)
	}
}

// check tries each server in turn until one answers.
func (z *Zone) check(ctx context.Context, req Request) error {
	z.checkExpired()
	if z.Sources != nil {
		err := z.checkSources(ctx, req)
		z.recordError(err)
		return err
	}
	var errs []error
	for _, server := range z.Servers() {
		err := z.checkServer(ctx, server, req)
		if err == nil {
			z.recordError(nil)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, refused := err.(*Refused); refused {
			z.recordError(err)
			return err // a reachable server with a bad version: not another's fault
		}
		errs = append(errs, err)
	}
	err := joinErrors(errs)
	z.recordError(err)
	return err
}

// Refused wraps an Accept error: the transfer worked, the version did not.
type Refused struct{ Err error }

func (r *Refused) Error() string { return r.Err.Error() }
func (r *Refused) Unwrap() error { return r.Err }

// OlderSerial is a server whose serial went backwards: the version in
// service is kept until an operator forces the older one in.
type OlderSerial struct {
	Server, Origin  string
	Serial, Current uint32
}

func (e *OlderSerial) Error() string {
	return fmt.Sprintf("%s has serial %d, older than %d in service (RFC 1982); keeping %d. If intended: anycloud hub retransfer %s --accept-older",
		e.Server, e.Serial, e.Current, e.Current, e.Origin)
}

func (z *Zone) checkServer(ctx context.Context, server string, req Request) error {
	client := z.Client()
	ans, err := client.QuerySOA(ctx, server, z.Origin)
	z.attempted(server, "soa", err)
	if err != nil {
		return fmt.Errorf("SOA check: %w", err)
	}
	z.contact(server, ans, time.Now())
	cur := z.Current()
	if !req.Forced && cur != nil && !zonever.SerialNewer(ans.SOA.Serial, cur.Serial()) {
		if ans.SOA.Serial == cur.Serial() {
			return nil // up to date
		}
		return &OlderSerial{Server: server, Serial: ans.SOA.Serial, Current: cur.Serial(), Origin: z.Origin}
	}
	var have *zonever.Version
	if !req.Forced {
		have = cur
	}
	return z.pull(ctx, client, server, have, req, nil)
}

// pull transfers the zone from server (IXFR from have, AXFR when nil) and
// hands a new version to Accept, once keep (if set) has not refused it.
// An Accept error comes back as *Refused.
func (z *Zone) pull(ctx context.Context, client Server, server string, have *zonever.Version, req Request, keep func(*zonever.Version) error) error {
	pulled, err := client.Pull(ctx, server, z.Origin, have, req.Forced)
	z.attempted(server, transferKind(pulled, have), err)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if pulled.Version == nil {
		return nil // up to date after all
	}
	if keep != nil {
		if err := keep(pulled.Version); err != nil {
			return err
		}
	}
	z.recordTransfer(server, pulled)
	if err := z.Accept(ctx, pulled, server, req); err != nil {
		return &Refused{Err: err}
	}
	return nil
}

func (z *Zone) attempted(server, kind string, err error) {
	if z.Attempted != nil {
		z.Attempted(server, kind, err)
	}
}

// transferKind names what a Pull asked for: what the server answered with
// when it worked, IXFR when there was a version to start from, else AXFR.
func transferKind(p *xfr.Pulled, have *zonever.Version) string {
	switch {
	case p != nil && p.Kind == xfr.KindAXFR:
		return "axfr"
	case p != nil || have != nil:
		return "ixfr"
	}
	return "axfr"
}

// contact records that server answered at the time at, which restarts the
// expire timer from then (not from when the check ends: a check waits for
// its slowest hub, and a zone must not outlive its expire by that wait).
func (z *Zone) contact(server string, ans *xfr.SOAAnswer, at time.Time) {
	z.mu.Lock()
	z.st.LastContact, z.st.LastServer = at, server
	expireAfter := expireOf(ans.SOA, ans.Expire)
	z.st.ExpiresAt = at.Add(expireAfter)
	wasExpired := z.st.Expired
	z.st.Expired = false
	z.mu.Unlock()
	if z.Contacted != nil {
		z.Contacted(at, expireAfter)
	}
	if wasExpired {
		z.Log.Info("zone no longer expired: a server answered", "zone", z.Origin, "server", server)
		z.Expired(false)
	}
}

func (z *Zone) recordTransfer(server string, p *xfr.Pulled) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.st.LastKind, z.st.LastServer = string(p.Kind), server
	z.st.LastTransfer = time.Now()
}

func (z *Zone) recordError(err error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.st.LastCheck = time.Now()
	z.st.LastError = ""
	if err != nil {
		z.st.LastError = err.Error()
	}
}

func (z *Zone) setNext(t time.Time) {
	z.mu.Lock()
	z.st.NextCheck = t
	z.mu.Unlock()
}

func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return fmt.Errorf("no server configured")
	case 1:
		return errs[0]
	}
	msg := errs[0].Error()
	for _, e := range errs[1:] {
		msg += "; " + e.Error()
	}
	return fmt.Errorf("every server failed: %s", msg)
}
