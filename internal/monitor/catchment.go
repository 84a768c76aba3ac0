package monitor

import (
	"fmt"
	"strings"
)

// RecordProbe takes what a vantage saw when it queried the anycast
// addresses. The answering node of the first successful result is the
// vantage's catchment; when it moves to another node a one-off
// catchment_change alert fires.
func (m *Monitor) RecordProbe(rep ProbeReport) error {
	m.mu.Lock()
	v := m.vantages[rep.Vantage]
	if v == nil {
		m.mu.Unlock()
		return fmt.Errorf("unknown vantage %q", rep.Vantage)
	}
	now := m.now()
	v.Results, v.Seen = rep.Results, now
	node := answeringNode(rep.Results)
	var changed []Alert
	if node != "" && node != v.Node {
		if v.Node != "" {
			changed = m.alerts.event(condition{"catchment_change", rep.Vantage, "warning",
				fmt.Sprintf("%s moved from %s to %s", rep.Vantage, v.Node, node)}, now)
		}
		v.Previous, v.Node, v.Changed = v.Node, node, now
	}
	m.mu.Unlock()
	m.dispatch.enqueue(changed)
	return nil
}

func answeringNode(results []ProbeResult) string {
	for _, r := range results {
		if r.Error == "" && r.NSID != "" {
			return strings.TrimSpace(r.NSID)
		}
	}
	return ""
}
