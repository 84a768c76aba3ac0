package zone

import "github.com/miekg/dns"

// Receiver builds a snapshot from records as a transfer brings them, in
// wire form and one at a time, without making a dns.RR value of each: for
// a node's first transfer of a million-delegation zone those values, their
// packing back into wire form and their garbage collection were most of the
// work. The checks are Build's.
type Receiver struct {
	b *builder
}

// NewReceiver starts a snapshot of origin; records is a size hint.
func NewReceiver(origin string, records int) (*Receiver, error) {
	b, err := newBuilder(origin, records)
	if err != nil {
		return nil, err
	}
	b.reserveRecords(records)
	return &Receiver{b: b}, nil
}

// AddWire adds one record: owner and rdata uncompressed (no name pointers),
// as they were on the wire. Both are lower-cased in place, then copied.
func (r *Receiver) AddWire(owner []byte, rtype, class uint16, ttl uint32, rdata []byte) error {
	return r.b.addWire(owner, rtype, class, ttl, rdata)
}

// Add adds a record the caller had to unpack (a type whose wire form it
// does not read itself).
func (r *Receiver) Add(rr dns.RR) error { return r.b.add(rr) }

// Finish builds the snapshot; the Receiver is not used after.
func (r *Receiver) Finish() (*Zone, error) {
	z, err := r.b.finish()
	if err != nil {
		return nil, err
	}
	releaseBuildMemory(z)
	return z, nil
}
