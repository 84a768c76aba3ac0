package gate

import (
	"strings"

	"anycloud/internal/zonever"
)

// Size bounds what the zones of one client may make every node hold. The
// gate refused shrinking zones only; a zone growing twenty times, by
// mistake or on purpose, would push every node out of memory. Zero fields
// mean no bound.
type Size struct {
	MaxRecords int     // records of all the client's zones together
	MaxBytes   int64   // those records in uncompressed wire form
	MaxGrowth  float64 // factor over the version in service, in records or in bytes
	// OtherRecords and OtherBytes are what the client's other zones in
	// service hold.
	OtherRecords int
	OtherBytes   int64
	// Client is named in a refusal.
	Client string
	// AcceptGrowth lets a version through MaxGrowth once (an operator's
	// retransfer); the client's maximum still holds.
	AcceptGrowth bool
}

// Versions at most this large are never refused for growth: a client that
// starts with a placeholder zone then loads the real one is no danger.
const (
	growthFloorRecords = 10000
	growthFloorBytes   = 1 << 20
)

// candidateBytes is the candidate's size: from the version in service and
// the deltas when it came by IXFR (a walk of the records of a large zone
// costs more than the patch), else its own.
func candidateBytes(cur, cand *zonever.Version, deltas []zonever.Delta) int64 {
	if cur != nil && !cand.IsHeld() && len(deltas) > 0 && deltas[0].From != nil && deltas[0].From.Serial == cur.Serial() &&
		deltas[len(deltas)-1].To != nil && deltas[len(deltas)-1].To.Serial == cand.Serial() {
		return cur.WireBytes() + zonever.DeltaWireBytes(deltas)
	}
	return cand.WireBytes()
}

func checkSize(cur, cand *zonever.Version, p Policy) *Rejection {
	s := p.Size
	zone := strings.TrimSuffix(cand.Origin, ".")
	if records := s.OtherRecords + cand.Len(); s.MaxRecords > 0 && records > s.MaxRecords {
		return reject("size", "client %s would hold %d records (%d in this version, %d in its other zones), more than the %d allowed (limits.max-client-records in hub.yaml, or the client's own limits.max-records); if intended, raise it, run 'anycloud hub reload', then 'anycloud hub retransfer %s'",
			s.Client, records, cand.Len(), s.OtherRecords, s.MaxRecords, zone)
	}
	if s.MaxBytes <= 0 {
		return nil
	}
	if bytes := s.OtherBytes + p.candBytes(); bytes > s.MaxBytes {
		return reject("size", "client %s would hold %.1f MiB of records (%.1f MiB in this version, %.1f MiB in its other zones), more than the %d MiB allowed (limits.max-client-megabytes in hub.yaml, or the client's own limits.max-megabytes); if intended, raise it, run 'anycloud hub reload', then 'anycloud hub retransfer %s'",
			s.Client, mib(bytes), mib(bytes-s.OtherBytes), mib(s.OtherBytes), s.MaxBytes>>20, zone)
	}
	return nil
}

func checkGrowth(cur, cand *zonever.Version, p Policy) *Rejection {
	s := p.Size
	if cur == nil || s.MaxGrowth <= 0 || s.AcceptGrowth {
		return nil
	}
	zone := strings.TrimSuffix(cand.Origin, ".")
	how := "(limits.max-growth in hub.yaml, or the client's own limits.max-growth); if intended, accept this version once with 'anycloud hub retransfer " + zone + "', or raise the limit and run 'anycloud hub reload'"
	if n, was := cand.Len(), cur.Len(); n > growthFloorRecords && float64(n) > s.MaxGrowth*float64(was) {
		return reject("growth", "%d records against %d in service: %.1f times as many, more than the %g allowed %s", n, was, float64(n)/float64(was), s.MaxGrowth, how)
	}
	if n, was := p.candBytes(), cur.WireBytes(); n > growthFloorBytes && float64(n) > s.MaxGrowth*float64(was) {
		return reject("growth", "%.1f MiB of records against %.1f MiB in service: %.1f times as much, more than the %g allowed %s", mib(n), mib(was), float64(n)/float64(was), s.MaxGrowth, how)
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
