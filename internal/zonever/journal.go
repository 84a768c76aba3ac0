package zonever

// Journal is a bounded, immutable chain of deltas ending at the current
// version. Appending returns a new journal so readers never see a partial
// update.
type Journal struct {
	deltas []Delta
}

// NewJournal wraps deltas, which must be consecutive.
func NewJournal(deltas []Delta) *Journal { return &Journal{deltas: deltas} }

// Deltas returns the chain, oldest first.
func (j *Journal) Deltas() []Delta {
	if j == nil {
		return nil
	}
	return j.deltas
}

// Append returns a journal with d at its end, keeping at most maxDeltas and
// at most maxRecords changed records so the journal never outgrows the zone.
// A delta that does not continue the chain starts a new one.
func (j *Journal) Append(d Delta, maxDeltas, maxRecords int) *Journal {
	old := j.Deltas()
	if n := len(old); n > 0 && old[n-1].To.Serial != d.From.Serial {
		old = nil
	}
	deltas := append(append(make([]Delta, 0, len(old)+1), old...), d)
	for len(deltas) > maxDeltas || (len(deltas) > 1 && records(deltas) > maxRecords) {
		deltas = deltas[1:]
	}
	return &Journal{deltas: deltas}
}

// Since returns the deltas that lead from serial to the end of the journal,
// and false when the journal does not reach back to serial.
func (j *Journal) Since(serial uint32) ([]Delta, bool) {
	deltas := j.Deltas()
	for i, d := range deltas {
		if d.From.Serial == serial {
			return deltas[i:], true
		}
	}
	return nil, false
}

func records(deltas []Delta) int {
	n := 0
	for _, d := range deltas {
		n += len(d.Deleted) + len(d.Added)
	}
	return n
}
