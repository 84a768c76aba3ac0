package admin

import (
	"encoding/json"
	"errors"
	"os"
	"sort"
	"sync"
	"time"

	"anycloud/internal/hub"
	"anycloud/internal/monitor"
	"anycloud/internal/onboard"
)

// StepState is one onboarding step of a client zone as the hub keeps it:
// the last verdict, when it was reached, when the step last passed, and
// the last full report.
type StepState struct {
	Name     string          `json:"name"`
	State    string          `json:"state"` // pass, fail or pending
	At       time.Time       `json:"at,omitzero"`
	LastPass time.Time       `json:"last_pass,omitzero"`
	Detail   string          `json:"detail,omitempty"` // why it failed, or the evidence it passed
	Todo     string          `json:"todo,omitempty"`   // what the client must still do
	Report   *onboard.Report `json:"report,omitempty"`
}

// ClientProgress is a client zone's onboarding progress.
type ClientProgress struct {
	Zone   string      `json:"zone"`
	Client string      `json:"client"`
	Pass   bool        `json:"pass"` // every step passes
	Steps  []StepState `json:"steps"`
}

// onboardState holds every zone's steps (persisted in the storage
// directory) and when each zone last got a NOTIFY.
type onboardState struct {
	mu       sync.Mutex
	loaded   bool
	progress map[string][]StepState
	notifies map[string]onboard.NotifySeen
	// purgedHere is when each removed zone's stored versions were purged
	// at this hub (its tombstone's PurgedAt), so each purge runs once.
	purgedHere map[string]time.Time
}

func (a *Admin) progressPath() string {
	return hub.AdminPath(a.h.Config().Storage, hub.AdminOnboarding)
}

// loadProgress reads the stored steps once; called with onb.mu held.
func (a *Admin) loadProgress() {
	s := &a.onb
	if s.loaded {
		return
	}
	s.loaded, s.progress = true, map[string][]StepState{}
	if s.notifies == nil {
		s.notifies = map[string]onboard.NotifySeen{}
	}
	data, err := os.ReadFile(a.progressPath())
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			a.log.Warn("onboarding progress unreadable; starting afresh", "err", err)
		}
		return
	}
	if err := json.Unmarshal(data, &s.progress); err != nil {
		a.log.Warn("onboarding progress unreadable; starting afresh", "err", err)
	}
}

// recordStep keeps the verdict of one step for zone, persists it and
// shows it on the dashboard.
func (a *Admin) recordStep(zone string, st StepState) {
	var steps []StepState
	err := a.write(func(tx *adminTx) error {
		progress := map[string][]StepState{}
		if err := tx.readJSON(hub.AdminOnboarding, &progress); err != nil {
			return err
		}
		steps = fillSteps(progress[zone])
		for i := range steps {
			if steps[i].Name == st.Name {
				st := st
				if st.State == "pass" {
					st.LastPass = st.At
				} else {
					st.LastPass = steps[i].LastPass
				}
				steps[i] = st
			}
		}
		progress[zone] = steps
		return tx.writeJSON(hub.AdminOnboarding, progress)
	})
	if err != nil {
		a.log.Error("could not store onboarding progress", "zone", zone, "err", err)
		return
	}
	a.publishOnboarding(zone, steps)
}

// fillSteps returns the six steps in order, pending where never run.
func fillSteps(have []StepState) []StepState {
	out := make([]StepState, 0, len(onboard.Steps))
	for _, name := range onboard.Steps {
		st := StepState{Name: name, State: "pending"}
		for _, had := range have {
			if had.Name == name {
				st = had
			}
		}
		out = append(out, st)
	}
	return out
}

// Progress returns the onboarding progress of zone ("" for every client
// zone), in zone order.
func (a *Admin) Progress(zone string) []ClientProgress {
	s := &a.onb
	s.mu.Lock()
	defer s.mu.Unlock()
	a.loadProgress()
	var out []ClientProgress
	for z, c := range hub.ClientZones(a.h.Config()) {
		if zone != "" && z != zone {
			continue
		}
		p := ClientProgress{Zone: z, Client: c.Name, Steps: fillSteps(s.progress[z]), Pass: true}
		for i, st := range p.Steps {
			p.Pass = p.Pass && st.State == "pass"
			if st.State == "pending" && st.Todo == "" {
				p.Steps[i].Todo = pendingTodo(st.Name, z)
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Zone < out[j].Zone })
	return out
}

// pendingTodo says what to do for a step never run.
func pendingTodo(step, zone string) string {
	switch step {
	case onboard.StepKey:
		return "anycloud client add " + zone + " --primary ADDR --pgp-key FILE.asc"
	case onboard.StepTransfer:
		return "the client installs the key and configuration from the bundle on its primary; then 'anycloud client trial transfer " + zone + "'"
	case onboard.StepResolve:
		return "once the hub has the zone: 'anycloud client trial resolve " + zone + "'"
	}
	return "'anycloud client check " + zone + " " + step + "'"
}

// publishOnboarding hands the steps to the monitor in the hub, if any.
func (a *Admin) publishOnboarding(zone string, steps []StepState) {
	m := a.h.Monitor()
	if m == nil {
		return
	}
	out := make([]monitor.Step, 0, len(steps))
	for _, st := range steps {
		detail := st.Detail
		if st.State != "pass" && st.Todo != "" {
			detail = st.Todo
		}
		out = append(out, monitor.Step{Name: st.Name, State: st.State, At: st.At, Detail: detail})
	}
	m.SetOnboarding(zone, out)
}

// PublishAllOnboarding feeds the monitor every zone's steps, at start.
func (a *Admin) PublishAllOnboarding() {
	for _, p := range a.Progress("") {
		a.publishOnboarding(p.Zone, p.Steps)
	}
}

// NotifySeen records that a NOTIFY for zone came from from (the hub calls
// it); refused says why the hub refused it ("" when accepted), so the
// transfer trial can tell a primary that sends none from one that sends it
// wrongly.
func (a *Admin) NotifySeen(zone, from, refused string) {
	s := &a.onb
	s.mu.Lock()
	defer s.mu.Unlock()
	a.loadProgress()
	s.notifies[zone] = onboard.NotifySeen{At: time.Now().UTC(), From: from, Refused: refused}
}

func (a *Admin) lastNotify(zone string) onboard.NotifySeen {
	s := &a.onb
	s.mu.Lock()
	defer s.mu.Unlock()
	a.loadProgress()
	return s.notifies[zone]
}

// stepFromReport turns a check's report into the step kept.
func stepFromReport(r *onboard.Report) StepState {
	st := StepState{Name: r.Step, State: "fail", At: r.At, Detail: r.Reason, Todo: r.Todo, Report: r}
	if r.Pass {
		st.State, st.Detail, st.Todo = "pass", r.Summary(), ""
	}
	return st
}
