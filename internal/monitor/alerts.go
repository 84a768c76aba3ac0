package monitor

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// condition is something wrong seen in one round; it becomes an alert only
// after RaiseAfter rounds in a row, and the alert clears only after
// ClearAfter rounds without it, so a flapping condition does not page
// anyone twice a minute.
type condition struct {
	kind, subject, severity, message string
}

func (c condition) id() string { return c.kind + "/" + c.subject }

type tracker struct {
	bad, good int
	alert     *Alert // non-nil while firing
}

// alerter applies hysteresis to conditions and keeps the history.
type alerter struct {
	raiseAfter, clearAfter int
	hold                   time.Duration
	historyMax             int
	trackers               map[string]*tracker
	events                 map[string]time.Time // one-off alerts -> when they stop
	active                 map[string]*Alert
	history                []Alert
}

func newAlerter(c AlertConfig) *alerter {
	return &alerter{raiseAfter: c.RaiseAfter, clearAfter: c.ClearAfter, hold: c.HoldEvent, historyMax: c.History,
		trackers: map[string]*tracker{}, events: map[string]time.Time{}, active: map[string]*Alert{}}
}

// round feeds one polling round's conditions and returns the alerts that
// changed state (firing or resolved).
func (a *alerter) round(conds []condition, now time.Time) []Alert {
	var changed []Alert
	seen := map[string]bool{}
	for _, c := range conds {
		seen[c.id()] = true
		t := a.tracker(c.id())
		t.bad, t.good = t.bad+1, 0
		if t.alert == nil && t.bad >= a.raiseAfter {
			t.alert = a.fire(c, now)
			changed = append(changed, *t.alert)
		} else if t.alert != nil {
			t.alert.Message = c.message // keep the numbers current
			t.alert.Count, t.alert.LastSeen = t.alert.Count+1, now
		}
	}
	for id, t := range a.trackers {
		if seen[id] {
			continue
		}
		t.good, t.bad = t.good+1, 0
		if t.alert != nil && t.good >= a.clearAfter {
			changed = append(changed, a.resolve(id, now))
			t.alert = nil
		}
		if t.alert == nil {
			delete(a.trackers, id)
		}
	}
	return append(changed, a.expireEvents(now)...)
}

func (a *alerter) tracker(id string) *tracker {
	t := a.trackers[id]
	if t == nil {
		t = &tracker{}
		a.trackers[id] = t
	}
	return t
}

// event fires a one-off alert at once (a catchment changed, the hub
// rejected a zone); it resolves by itself after the hold time. The same
// event again while it fires is counted in that alert, not raised anew:
// a flood of one event is one alert, one history entry, one webhook POST.
func (a *alerter) event(c condition, now time.Time) []Alert {
	c = a.admit(c)
	a.events[c.id()] = now.Add(a.hold)
	if cur := a.active[c.id()]; cur != nil {
		cur.Message, cur.Count, cur.LastSeen = c.message, cur.Count+1, now
		return nil
	}
	return []Alert{*a.fire(c, now)}
}

// maxEventSubjects bounds the one-off alerts of one kind firing at once.
// The subjects of events come from outside (a zone, a key, a vantage): were
// they unbounded, every new subject would be an alert, a history entry and
// a POST, and the active set would grow with the attacker's imagination.
const maxEventSubjects = 20

// overflowSubject is the subject of the one alert per kind that counts the
// events beyond maxEventSubjects.
const overflowSubject = "(more subjects)"

// admit returns c, or, when maxEventSubjects of its kind already fire and
// c is not one of them, the kind's overflow alert that counts it.
func (a *alerter) admit(c condition) condition {
	if a.active[c.id()] != nil || c.subject == overflowSubject {
		return c
	}
	n := 0
	for id := range a.events {
		if k, subject, _ := strings.Cut(id, "/"); k == c.kind && subject != overflowSubject {
			n++
		}
	}
	if n < maxEventSubjects {
		return c
	}
	return condition{kind: c.kind, subject: overflowSubject, severity: c.severity,
		message: fmt.Sprintf("%d %s alerts fire already; latest other: %s: %s", maxEventSubjects, c.kind, c.subject, c.message)}
}

func (a *alerter) expireEvents(now time.Time) []Alert {
	var out []Alert
	for id, until := range a.events {
		if now.After(until) {
			delete(a.events, id)
			out = append(out, a.resolve(id, now))
		}
	}
	return out
}

func (a *alerter) fire(c condition, now time.Time) *Alert {
	al := &Alert{ID: c.id(), Kind: c.kind, Subject: c.subject, Severity: c.severity, State: "firing", Message: c.message,
		Since: now, Count: 1, LastSeen: now}
	a.active[al.ID] = al
	a.remember(*al)
	return al
}

func (a *alerter) resolve(id string, now time.Time) Alert {
	al := *a.active[id]
	delete(a.active, id)
	al.State, al.Resolved = "resolved", &now
	a.remember(al)
	return al
}

// remember adds al to the history. When it is full, the oldest entry of
// the kind with the most entries goes, not the oldest overall: a burst of
// one kind then replaces its own entries and cannot push the other kinds'
// (the real incident an attacker would like to hide) out.
func (a *alerter) remember(al Alert) {
	a.history = append(a.history, al)
	if len(a.history) <= a.historyMax {
		return
	}
	i, _, _ := oldestOfCommonestKind(a.history, func(h Alert) string { return h.Kind })
	a.history = append(a.history[:i], a.history[i+1:]...)
}

// oldestOfCommonestKind finds, in items (oldest first, at least one), the
// kind with the most items (on a tie, the first to reach that count) and
// returns the index of its oldest item, that kind and every kind's count:
// what the history and the webhook queue drop when full, so that a flood
// of one kind sheds its own entries.
func oldestOfCommonestKind[T any](items []T, kind func(T) string) (oldest int, most string, count map[string]int) {
	count = map[string]int{}
	for _, it := range items {
		k := kind(it)
		count[k]++
		if count[k] > count[most] {
			most = k
		}
	}
	for i, it := range items {
		if kind(it) == most {
			return i, most, count
		}
	}
	return -1, most, count
}

// status lists active alerts (oldest first) and the history (newest first).
func (a *alerter) status() AlertsStatus {
	st := AlertsStatus{Active: []Alert{}, History: make([]Alert, 0, len(a.history))}
	for _, al := range a.active {
		st.Active = append(st.Active, *al)
	}
	sort.Slice(st.Active, func(i, j int) bool {
		if !st.Active[i].Since.Equal(st.Active[j].Since) {
			return st.Active[i].Since.Before(st.Active[j].Since)
		}
		return st.Active[i].ID < st.Active[j].ID
	})
	for i := len(a.history) - 1; i >= 0; i-- {
		st.History = append(st.History, a.history[i])
	}
	return st
}

func (a *alerter) activeByKind() map[string]int {
	out := map[string]int{}
	for _, al := range a.active {
		out[al.Kind]++
	}
	return out
}
