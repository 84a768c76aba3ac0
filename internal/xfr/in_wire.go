package xfr

import (
	"context"
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
	"anycloud/internal/zonever"
)

// axfrToSnapshot pulls the whole zone from server over TCP and builds its
// serving snapshot while the messages arrive, reading each record in place
// (wire_records.go) instead of unpacking it into a dns.RR value that the
// snapshot would pack again. This is what a node does: it serves what the
// hub checked and keeps its versions as snapshots (zonever.Held). The hub,
// which gates, diffs and journals records, takes the record path
// (transfer). The checks are the same: the SOA first, the closing SOA,
// TSIG on every message, the limits, and the snapshot's own.
func (c Client) axfrToSnapshot(ctx context.Context, server, origin string) (*Result, error) {
	origin = dns.CanonicalName(origin)
	q := new(dns.Msg)
	q.SetAxfr(origin)
	r := wireAXFR{origin: origin}
	err := c.receive(ctx, server, q, func(msg []byte) (int, bool, error) {
		err := r.add(msg)
		return r.records, r.done, err
	})
	if err != nil {
		return nil, err
	}
	z, err := r.recv.Finish()
	if err != nil {
		return nil, fmt.Errorf("%s: version %d does not build: %w", server, r.soa.Serial, err)
	}
	return &Result{Kind: KindAXFR, SOA: r.soa, Version: zonever.HeldBy(origin, z, r.soa), Records: r.records}, nil
}

// wireAXFR is the state of one AXFR answer read in place.
type wireAXFR struct {
	origin  string
	soa     *dns.SOA // the first record
	recv    *zone.Receiver
	reader  wireReader
	records int // received, closing SOA included
	done    bool
}

// add reads the answer records of one message into the snapshot.
func (a *wireAXFR) add(msg []byte) error {
	n, err := a.reader.reset(msg)
	if err != nil {
		return err
	}
	for range n {
		if a.done {
			return errors.New("records after the closing SOA")
		}
		rec, err := a.reader.next()
		if err != nil {
			return err
		}
		a.records++
		if rec.rtype == dns.TypeSOA || rec.unpack {
			if err := a.addUnpacked(msg, rec); err != nil {
				return err
			}
			continue
		}
		if a.soa == nil {
			return errors.New("answer does not start with the zone's SOA")
		}
		if err := a.recv.AddWire(rec.owner, rec.rtype, rec.class, rec.ttl, rec.rdata); err != nil {
			return fmt.Errorf("version %d does not build: %w", a.soa.Serial, err)
		}
	}
	return nil
}

// addUnpacked handles a record miekg/dns unpacks: a SOA (the first, the
// closing one, or one in between, which a version does not keep), or a
// record whose rdata the wire reader left to miekg.
func (a *wireAXFR) addUnpacked(msg []byte, rec wireRecord) error {
	rr, _, err := dns.UnpackRR(msg, rec.start)
	if err != nil {
		return err
	}
	soa, isSOA := rr.(*dns.SOA)
	switch {
	case a.soa == nil:
		if !isSOA || dns.CanonicalName(soa.Hdr.Name) != a.origin {
			return errors.New("answer does not start with the zone's SOA")
		}
		a.soa = soa
		if a.recv, err = zone.NewReceiver(a.origin, 0); err != nil {
			return err
		}
	case isSOA:
		// Only the zone's own SOA closes (RFC 5936 2.2); any other is
		// dropped, as the record path's version drops it.
		a.done = soa.Serial == a.soa.Serial && dns.CanonicalName(soa.Hdr.Name) == a.origin
		return nil
	}
	if err := a.recv.Add(rr); err != nil {
		return fmt.Errorf("version %d does not build: %w", a.soa.Serial, err)
	}
	return nil
}
