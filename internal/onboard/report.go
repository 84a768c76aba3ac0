package onboard

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Step names, in the order a client passes them.
const (
	StepKey        = "key"
	StepTransfer   = "transfer"
	StepResolve    = "resolve"
	StepSync       = "sync"
	StepNSInZone   = "ns-in-zone"
	StepNSInParent = "ns-in-parent"
)

// Steps lists every step in order.
var Steps = []string{StepKey, StepTransfer, StepResolve, StepSync, StepNSInZone, StepNSInParent}

// Check is one verdict of a step: what was checked where, and the
// evidence when it failed.
type Check struct {
	Target string `json:"target"` // "primary 192.0.2.1:53", "node-santiago", "anycast 198.51.100.53"
	Name   string `json:"check"`  // "soa-udp", "tsig", "ns-set" ...
	Pass   bool   `json:"pass"`
	Detail string `json:"detail,omitempty"` // the evidence, or the figure when it passed
}

// Report is the outcome of one step for one zone.
type Report struct {
	Zone   string    `json:"zone"`
	Step   string    `json:"step"`
	Pass   bool      `json:"pass"`
	At     time.Time `json:"at"`
	Took   string    `json:"took"`
	Reason string    `json:"reason,omitempty"` // first failure, in plain words
	Todo   string    `json:"todo,omitempty"`   // what the client must still do
	Checks []Check   `json:"checks"`
	// Facts are figures worth showing even on success (serial, records,
	// size, duration, expected delegation lines).
	Facts map[string]string `json:"facts,omitempty"`
}

// add appends a check.
func (r *Report) add(target, name string, pass bool, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Target: target, Name: name, Pass: pass, Detail: fmt.Sprintf(format, args...)})
}

func (r *Report) fact(k, format string, args ...any) {
	if r.Facts == nil {
		r.Facts = map[string]string{}
	}
	r.Facts[k] = fmt.Sprintf(format, args...)
}

// finish sets the verdict from the checks: pass only when there was at
// least one check and none failed.
func (r *Report) finish(start time.Time) *Report {
	r.Took = time.Since(start).Round(time.Millisecond).String()
	r.Pass = len(r.Checks) > 0
	for _, c := range r.Checks {
		if !c.Pass {
			r.Pass = false
			if r.Reason == "" {
				r.Reason = c.Target + ": " + c.Name + ": " + c.Detail
			}
		}
	}
	if len(r.Checks) == 0 && r.Reason == "" {
		r.Reason = "nothing was checked"
	}
	return r
}

func newReport(zone, step string) *Report {
	return &Report{Zone: zone, Step: step, At: time.Now().UTC()}
}

// WriteText prints the report as a table of target x check (pass, FAIL,
// or - where that check does not apply), then the evidence for every
// failure, the figures, the reason and what is still to do. The JSON form
// keeps every check's detail, passed or not.
func (r *Report) WriteText(w io.Writer) {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s %s: %s (%s)\n", r.Step, r.Zone, verdict, r.Took)
	targets, names, cell := r.matrix()
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TARGET\t%s\n", strings.Join(names, "\t"))
	for _, tg := range targets {
		row := []string{tg}
		for _, n := range names {
			row = append(row, cell[[2]string{tg, n}])
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	failed := false
	for _, c := range r.Checks {
		if !c.Pass {
			if !failed {
				fmt.Fprintln(w, "evidence:")
				failed = true
			}
			fmt.Fprintf(w, "  %s %s: %s\n", c.Target, c.Name, oneLine(c.Detail))
		}
	}
	for _, k := range sortedFacts(r.Facts) {
		fmt.Fprintf(w, "%s: %s\n", k, r.Facts[k])
	}
	if !r.Pass && r.Reason != "" {
		fmt.Fprintf(w, "reason: %s\n", r.Reason)
	}
	if r.Todo != "" {
		fmt.Fprintf(w, "to do: %s\n", r.Todo)
	}
}

// Summary is the verdict in one line, for status and the dashboard: the
// reason of a failure, or the figures of a pass.
func (r *Report) Summary() string {
	if !r.Pass {
		return r.Reason
	}
	targets, _, _ := r.matrix()
	s := fmt.Sprintf("%s on %s passed", plural(len(r.Checks), "check"), plural(len(targets), "target"))
	switch {
	case r.Facts["serial"] != "":
		s = fmt.Sprintf("serial %s, %s records, %s in %s; %s", r.Facts["serial"], r.Facts["records"], r.Facts["size"], r.Facts["duration"], s)
	case r.Facts["primary_serial"] != "":
		s += " at serial " + r.Facts["primary_serial"]
	}
	return s
}

// matrix returns the targets and check names in the order they were first
// checked, and each cell's verdict: a check run more than once for a
// target fails if any run failed.
func (r *Report) matrix() ([]string, []string, map[[2]string]string) {
	var targets, names []string
	cell := map[[2]string]string{}
	for _, c := range r.Checks {
		if !slices.Contains(targets, c.Target) {
			targets = append(targets, c.Target)
		}
		if !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
		}
		k := [2]string{c.Target, c.Name}
		switch {
		case !c.Pass:
			cell[k] = "FAIL"
		case cell[k] == "":
			cell[k] = "pass"
		}
	}
	for _, tg := range targets {
		for _, n := range names {
			if cell[[2]string{tg, n}] == "" {
				cell[[2]string{tg, n}] = "-"
			}
		}
	}
	return targets, names, cell
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " | ") }
