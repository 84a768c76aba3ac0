package secondary

import "time"

// notifyStorm is the state of NOTIFYs arriving faster than
// MinNotifyInterval allows checks: a storm is logged when it starts and
// when it is over, never per NOTIFY.
type notifyStorm struct {
	lastStart time.Time // of the last check
	since     time.Time // first NOTIFY held in this storm; zero: no storm
	lastHeld  time.Time // last NOTIFY held
	held      int       // NOTIFYs held in this storm
	checks    int       // checks started in this storm
	failed    bool      // the last check failed or its version was refused
}

// notifyHeld returns how long a NOTIFY arriving at now waits for its check
// (0: it may start at once).
// After a check that failed, at least MinInterval (the floor of the SOA
// retry) applies: a primary serving a refused version on every NOTIFY is
// not checked faster than its retry timer allows.
func (z *Zone) notifyHeld(now time.Time) time.Duration {
	interval := z.notifyInterval()
	if interval <= 0 {
		return 0
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.storm.failed {
		interval = max(interval, z.MinInterval)
	}
	return max(z.storm.lastStart.Add(interval).Sub(now), 0)
}

// checkDone notes whether the check just made failed.
func (z *Zone) checkDone(err error) {
	z.mu.Lock()
	z.storm.failed = err != nil
	z.mu.Unlock()
}

func (z *Zone) notifyInterval() time.Duration {
	if z.MinNotifyInterval == nil {
		return 0
	}
	return z.MinNotifyInterval()
}

// holdNotify records a NOTIFY held for wait and logs the storm's start.
func (z *Zone) holdNotify(wait time.Duration) {
	now := time.Now()
	z.mu.Lock()
	first := z.storm.since.IsZero()
	if first {
		z.storm.since = now
	}
	z.storm.lastHeld = now
	z.storm.held++
	z.st.NotifiesHeld++
	z.mu.Unlock()
	if first {
		z.Log.Warn("NOTIFY storm: NOTIFYs for the zone arrive faster than one per min_notify_interval; checks are held to that rate and the NOTIFYs in between merged into one check (logged once per storm)",
			"zone", z.Origin, "min_notify_interval", z.notifyInterval(), "next_check_in", wait.Round(time.Millisecond))
	}
}

// checkStarting notes the start of a check. A storm is over when no NOTIFY
// was held for two intervals; it is logged then, with its totals.
func (z *Zone) checkStarting() {
	now, interval := time.Now(), z.notifyInterval()
	z.mu.Lock()
	z.storm.lastStart = now
	st := z.storm
	over := !st.since.IsZero() && now.Sub(st.lastHeld) >= 2*interval
	switch {
	case over:
		z.storm = notifyStorm{lastStart: now, failed: st.failed}
	case !st.since.IsZero():
		z.storm.checks++
	}
	z.mu.Unlock()
	if over {
		z.Log.Info("NOTIFY storm over", "zone", z.Origin, "notifies_held", st.held, "checks", st.checks,
			"lasted", st.lastHeld.Sub(st.since).Round(time.Millisecond))
	}
}
