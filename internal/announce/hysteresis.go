package announce

import "time"

// hysteresis turns a stream of check results into a stable verdict: it takes
// rise consecutive good results to become healthy and fall consecutive bad
// ones to become unhealthy, so one lost probe never moves traffic.
type hysteresis struct {
	rise, fall int
	healthy    bool
	run        int // consecutive results that disagree with healthy
}

// observe records one result and reports whether the verdict changed.
func (h *hysteresis) observe(ok bool) bool {
	if ok == h.healthy {
		h.run = 0
		return false
	}
	h.run++
	need := h.fall
	if ok {
		need = h.rise
	}
	if h.run < need {
		return false
	}
	h.healthy, h.run = ok, 0
	return true
}

// damper limits flapping: a node that lost health more than max times within
// window stays withdrawn until the oldest of those losses leaves the window.
type damper struct {
	max    int
	window time.Duration
	losses []time.Time
}

// lost records a healthy-to-unhealthy transition.
func (d *damper) lost(now time.Time) {
	d.losses = append(d.prune(now), now)
}

// damped reports whether announcing now would exceed the flap limit, and
// until when.
func (d *damper) damped(now time.Time) (bool, time.Time) {
	d.losses = d.prune(now)
	if len(d.losses) <= d.max {
		return false, time.Time{}
	}
	return true, d.losses[len(d.losses)-d.max-1].Add(d.window)
}

func (d *damper) prune(now time.Time) []time.Time {
	keep := d.losses[:0]
	for _, t := range d.losses {
		if now.Sub(t) < d.window {
			keep = append(keep, t)
		}
	}
	return keep
}
