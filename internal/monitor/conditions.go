package monitor

import (
	"fmt"
	"strings"
	"time"
)

// conditions lists what is wrong this round; m.mu held.
func (m *Monitor) conditions(now time.Time) []condition {
	var out []condition
	for _, z := range m.zones {
		out = append(out, m.zoneConditions(z, now)...)
	}
	for _, n := range m.cfg.Nodes {
		switch a := m.announce[n.Name]; a.state {
		case "withdrawn":
			out = append(out, condition{"node_withdrawn", n.Name, "critical", "withdrawn: " + a.reason})
		case "drained":
			out = append(out, condition{"node_drained", n.Name, "warning", "drained: " + a.reason})
		}
	}
	return out
}

func (m *Monitor) zoneConditions(z *zoneState, now time.Time) []condition {
	var out []condition
	if !z.primary.reachable {
		out = append(out, condition{"primary_unreachable", z.zone, "critical",
			"no primary of " + z.zone + " answers: " + z.primary.lastErr})
	}
	if z.hub != nil {
		out = append(out, m.serverConditions(z, z.hub, now)...)
	}
	for _, n := range m.cfg.Nodes {
		out = append(out, m.serverConditions(z, z.nodes[n.Name], now)...)
	}
	return out
}

func (m *Monitor) serverConditions(z *zoneState, s *serverState, now time.Time) []condition {
	var out []condition
	subject := s.name + " " + z.zone
	if !s.reachable {
		out = append(out, condition{s.role + "_unreachable", subject, "critical", s.lastErr})
	}
	serials, seconds := z.lag(s, now)
	if serials > 0 && seconds >= m.cfg.StaleAfter.Seconds() {
		out = append(out, condition{s.role + "_stale", subject, "critical", fmt.Sprintf(
			"serves %d, %d serial(s) behind the primary's %d for %s", s.serial, serials, z.primary.serial,
			roundDuration(seconds))})
	}
	if c, ok := m.nearExpire(z, s, serials, seconds, now); ok {
		out = append(out, c)
	}
	return out
}

// nearExpire warns before a copy expires (and answers SERVFAIL): the
// server has been behind, or (from its /metrics) has not refreshed the
// zone from the hub, for expire-warning of the SOA EXPIRE. The second
// catches a node that lost the hub while the zone did not change.
func (m *Monitor) nearExpire(z *zoneState, s *serverState, serials int64, behind float64, now time.Time) (condition, bool) {
	if z.expire == 0 {
		return condition{}, false
	}
	limit := m.cfg.ExpireWarning * float64(z.expire)
	subject := s.name + " " + z.zone
	if at, ok := m.refreshed[s.name][z.zone]; ok && s.role == "node" {
		if age := now.Sub(at).Seconds(); age >= limit && age >= behind {
			return condition{"zone_near_expire", subject, "critical", fmt.Sprintf(
				"no refresh from the hub for %s, %.0f%% of SOA EXPIRE (%ds): the copy may expire",
				roundDuration(age), 100*age/float64(z.expire), z.expire)}, true
		}
	}
	if serials > 0 && behind >= limit {
		return condition{"zone_near_expire", subject, "critical", fmt.Sprintf(
			"behind for %s, %.0f%% of SOA EXPIRE (%ds): the copy may expire",
			roundDuration(behind), 100*behind/float64(z.expire), z.expire)}, true
	}
	return condition{}, false
}

func roundDuration(seconds float64) string {
	return (time.Duration(seconds*float64(time.Second)) / time.Second * time.Second).String()
}

// syncState names a server's synchronisation for the API.
func (m *Monitor) syncState(z *zoneState, s *serverState, now time.Time) string {
	serials, seconds := z.lag(s, now)
	switch {
	case !s.seen && s.checked.IsZero():
		return "unknown"
	case serials > 0 && seconds >= m.cfg.StaleAfter.Seconds():
		return "stale"
	case !s.reachable:
		return "unreachable"
	case serials > 0:
		return "behind"
	default:
		return "in-sync"
	}
}

// nodeState is the state the map colours a node by. A withdrawn or drained
// node takes no traffic, so that is what matters first; an announcing node
// serving an old serial is the dangerous case and shows as stale.
func nodeState(announce string, stale bool) string {
	switch {
	case announce == "drained" || announce == "withdrawn":
		return announce
	case stale:
		return "stale"
	case announce == "announced":
		return "announcing"
	default:
		return "unknown"
	}
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
