package monitor

import (
	"sort"
	"time"
)

// maxSerialsKept bounds the first-served history of each server.
const maxSerialsKept = 32

// serverState is one server's view of one zone, across polling rounds.
type serverState struct {
	name, role  string
	serial      uint32
	seen        bool // answered with a serial at least once
	reachable   bool
	lastErr     string
	nsid        string
	rtt         time.Duration
	checked     time.Time
	probes      []ProbeResult
	firstServed map[uint32]time.Time
}

// zoneState is one zone across the primary, the hub and the nodes.
type zoneState struct {
	zone    string
	expire  uint32 // primary's SOA EXPIRE
	primary *serverState
	hub     *serverState
	nodes   map[string]*serverState
}

func newServerState(name, role string) *serverState {
	return &serverState{name: name, role: role, firstServed: map[uint32]time.Time{}}
}

// update folds one round of answers into the state. The server's serial is
// the oldest any of its addresses served (newest for the primaries, which
// lead): one stale address is enough to be behind.
func (s *serverState) update(results []ProbeResult, newest bool, now time.Time) {
	s.probes, s.checked, s.reachable, s.lastErr = results, now, false, ""
	var best *ProbeResult
	for i := range results {
		r := &results[i]
		if r.Error != "" {
			s.lastErr = r.Address + " " + r.Transport + ": " + r.Error
			continue
		}
		s.reachable = true
		if best == nil || preferred(r.Serial, best.Serial, newest) {
			best = r
		}
	}
	if best == nil {
		return
	}
	s.serial, s.seen, s.nsid, s.rtt = best.Serial, true, best.NSID, time.Duration(best.RTTms*float64(time.Millisecond))
	if _, ok := s.firstServed[best.Serial]; !ok {
		s.firstServed[best.Serial] = now
		s.trim()
	}
}

// preferred says whether serial a replaces b as the server's serial.
func preferred(a, b uint32, newest bool) bool {
	if newest {
		return serialDiff(a, b) > 0
	}
	return serialDiff(a, b) < 0
}

// trim forgets the oldest serials beyond maxSerialsKept.
func (s *serverState) trim() {
	if len(s.firstServed) <= maxSerialsKept {
		return
	}
	var oldest uint32
	first := true
	for serial := range s.firstServed {
		if first || serialDiff(serial, oldest) < 0 {
			oldest, first = serial, false
		}
	}
	delete(s.firstServed, oldest)
}

// lag says how far s is behind the primary: in serials, and in seconds
// since the primary first served a serial newer than the one s serves.
func (z *zoneState) lag(s *serverState, now time.Time) (serials int64, seconds float64) {
	p := z.primary
	if !p.seen || !s.seen {
		return 0, 0
	}
	serials = serialDiff(p.serial, s.serial)
	if serials <= 0 {
		return 0, 0
	}
	since := now
	for serial, at := range p.firstServed {
		if serialDiff(serial, s.serial) > 0 && at.Before(since) {
			since = at
		}
	}
	return serials, now.Sub(since).Seconds()
}

// servedHistory lists when s first served each serial, with the delay
// after the primary first served it (when known), newest first.
func (z *zoneState) servedHistory(s *serverState) []Served {
	out := make([]Served, 0, len(s.firstServed))
	for serial, at := range s.firstServed {
		sv := Served{Serial: serial, At: at}
		if p, ok := z.primary.firstServed[serial]; ok && s != z.primary {
			d := at.Sub(p).Seconds()
			sv.DelaySeconds = &d
		}
		out = append(out, sv)
	}
	sort.Slice(out, func(i, j int) bool { return serialDiff(out[i].Serial, out[j].Serial) > 0 })
	return out
}
