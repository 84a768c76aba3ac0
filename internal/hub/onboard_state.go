package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/miekg/dns"

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
// directory) and when each zone last got a NOTIFY. adminMu serialises
// changes to the administered configuration.
type onboardState struct {
	adminMu sync.Mutex

	mu       sync.Mutex
	loaded   bool
	progress map[string][]StepState
	notifies map[string]onboard.NotifySeen
	// purgedHere is when each removed zone's stored versions were purged
	// at this hub (its tombstone's PurgedAt), so each purge runs once.
	purgedHere map[string]time.Time
}

func (h *Hub) progressPath() string { return adminPath(h.config().Storage, adminOnboarding) }

// loadProgress reads the stored steps once; called with onb.mu held.
func (h *Hub) loadProgress() {
	s := &h.onb
	if s.loaded {
		return
	}
	s.loaded, s.progress = true, map[string][]StepState{}
	if s.notifies == nil {
		s.notifies = map[string]onboard.NotifySeen{}
	}
	data, err := os.ReadFile(h.progressPath())
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			h.log.Warn("onboarding progress unreadable; starting afresh", "err", err)
		}
		return
	}
	if err := json.Unmarshal(data, &s.progress); err != nil {
		h.log.Warn("onboarding progress unreadable; starting afresh", "err", err)
	}
}

// recordStep keeps the verdict of one step for zone, persists it and
// shows it on the dashboard.
func (h *Hub) recordStep(zone string, st StepState) {
	var steps []StepState
	err := h.adminWrite(func(tx *adminTx) error {
		progress := map[string][]StepState{}
		if err := tx.readJSON(adminOnboarding, &progress); err != nil {
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
		return tx.writeJSON(adminOnboarding, progress)
	})
	if err != nil {
		h.log.Error("could not store onboarding progress", "zone", zone, "err", err)
		return
	}
	h.publishOnboarding(zone, steps)
}

// fillSteps returns the six steps in order, pending where never run.
func fillSteps(have []StepState) []StepState {
	out := make([]StepState, 0, len(onboard.Steps))
	for _, name := range onboard.Steps {
		st := StepState{Name: name, State: "pending"}
		for _, h := range have {
			if h.Name == name {
				st = h
			}
		}
		out = append(out, st)
	}
	return out
}

// Progress returns the onboarding progress of zone ("" for every client
// zone), in zone order.
func (h *Hub) Progress(zone string) []ClientProgress {
	s := &h.onb
	s.mu.Lock()
	defer s.mu.Unlock()
	h.loadProgress()
	var out []ClientProgress
	for z, c := range clientZones(h.config()) {
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
func (h *Hub) publishOnboarding(zone string, steps []StepState) {
	m := h.Monitor()
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

// publishAllOnboarding feeds the monitor every zone's steps, at start.
func (h *Hub) publishAllOnboarding() {
	for _, p := range h.Progress("") {
		h.publishOnboarding(p.Zone, p.Steps)
	}
}

// noteNotify records that a NOTIFY for zone came from from; refused says
// why the hub refused it ("" when accepted), so the transfer trial can
// tell a primary that sends none from one that sends it wrongly.
func (h *Hub) noteNotify(zone, from, refused string) {
	s := &h.onb
	s.mu.Lock()
	defer s.mu.Unlock()
	h.loadProgress()
	s.notifies[zone] = onboard.NotifySeen{At: time.Now().UTC(), From: from, Refused: refused}
}

func (h *Hub) lastNotify(zone string) onboard.NotifySeen {
	s := &h.onb
	s.mu.Lock()
	defer s.mu.Unlock()
	h.loadProgress()
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

// notifyRefusal words why a NOTIFY was refused, for the transfer trial.
func notifyRefusal(w dns.ResponseWriter, req *dns.Msg) string {
	if t := req.IsTsig(); t != nil {
		if err := w.TsigStatus(); err != nil {
			return fmt.Sprintf("signed with key %s, which does not verify here (%v): the primary's key differs from the hub's", t.Hdr.Name, err)
		}
		return fmt.Sprintf("signed with key %s, which is not this zone's key", t.Hdr.Name)
	}
	return "unsigned, from an address not listed as the zone's primary: sign NOTIFY with the zone's key, or list that address with --primary"
}
