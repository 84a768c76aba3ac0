package xfr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// Kind says how a transfer was answered.
type Kind string

const (
	KindUpToDate  Kind = "up to date"
	KindAXFR      Kind = "AXFR"
	KindIXFR      Kind = "IXFR"
	KindIXFRFull  Kind = "AXFR-style IXFR"
	KindNoChanges Kind = "IXFR without changes"
)

// Result is what a transfer brought: either a full version or the deltas
// that lead from the version the request was based on.
type Result struct {
	Kind    Kind
	SOA     *dns.SOA
	Version *zonever.Version // full transfers
	Deltas  []zonever.Delta  // incremental transfers
	Records int              // records received
}

// AXFR pulls the whole zone from server over TCP.
func (c Client) AXFR(ctx context.Context, server, origin string) (*Result, error) {
	if c.Snapshot {
		return c.axfrToSnapshot(ctx, server, origin)
	}
	q := new(dns.Msg)
	q.SetAxfr(dns.CanonicalName(origin))
	return c.transfer(ctx, server, q, 0)
}

// IXFR asks server for the changes since have (RFC 1995) over TCP. The
// answer may be incremental, a full zone (AXFR-style), or just the SOA.
func (c Client) IXFR(ctx context.Context, server string, have *dns.SOA) (*Result, error) {
	q := new(dns.Msg)
	q.SetIxfr(dns.CanonicalName(have.Hdr.Name), have.Serial, have.Ns, have.Mbox)
	return c.transfer(ctx, server, q, have.Serial)
}

func (c Client) transfer(ctx context.Context, server string, q *dns.Msg, have uint32) (*Result, error) {
	s := &stream{origin: q.Question[0].Name, qtype: q.Question[0].Qtype, have: have}
	err := c.receive(ctx, server, q, func(msg []byte) (int, bool, error) {
		m := new(dns.Msg)
		if err := m.Unpack(msg); err != nil {
			return len(s.rrs), false, err
		}
		err := s.add(m.Answer)
		return len(s.rrs), s.done, err
	})
	if err != nil {
		return nil, err
	}
	return s.result()
}

// receive sends q to server over TCP and hands each answer message, its
// TSIG checked, to add until add says the answer is complete; add returns
// the records received so far. The transfer limits apply throughout, and a
// connection lost after the first records is reported as a cut transfer.
func (c Client) receive(ctx context.Context, server string, q *dns.Msg, add func(msg []byte) (records int, done bool, err error)) error {
	limits := c.Limits.withDefaults()
	ctx, cancel := context.WithTimeoutCause(ctx, limits.MaxDuration, errTransferTooLong)
	defer cancel()
	conn, err := dial(ctx, "tcp", server, c.Key, c.timeout())
	if err != nil {
		return limits.overtime(ctx, server, err)
	}
	defer conn.close()
	if err := conn.write(q); err != nil {
		return limits.overtime(ctx, server, err)
	}
	records := 0
	for done := false; !done; {
		msg, err := conn.readRaw(ctx)
		if err != nil {
			if records > 0 && isNetErr(err) {
				err = &CutError{Server: server, Records: records, Err: err}
			}
			return limits.overtime(ctx, server, err)
		}
		if binary.BigEndian.Uint16(msg) != q.Id {
			return fmt.Errorf("%s answered with a different message ID", server)
		}
		if records, done, err = add(msg); err != nil {
			return fmt.Errorf("%s: %w", server, err)
		}
		if err := limits.check(server, records, conn.received); err != nil {
			return err
		}
	}
	return nil
}

// stream accumulates the records of a transfer answer and knows when the
// answer is complete.
type stream struct {
	origin     string
	qtype      uint16
	have       uint32
	rrs        []dns.RR
	closingSOA int // SOA records with the new serial after the first
	done       bool
}

func isNetErr(err error) bool {
	var re *RcodeError
	var te *TSIGError
	return !errors.As(err, &re) && !errors.As(err, &te) && !errors.Is(err, context.Canceled)
}

func (s *stream) add(answer []dns.RR) error {
	for _, rr := range answer {
		if len(s.rrs) == 0 {
			soa, ok := rr.(*dns.SOA)
			if !ok || dns.CanonicalName(soa.Hdr.Name) != s.origin {
				return errors.New("answer does not start with the zone's SOA")
			}
		} else if s.closes(rr) {
			s.closingSOA++
		}
		s.rrs = append(s.rrs, rr)
	}
	s.done = s.complete()
	return nil
}

func (s *stream) first() *dns.SOA { return s.rrs[0].(*dns.SOA) }

// closes reports whether rr is the zone's SOA with the first one's serial:
// a SOA of another name (a child's, or anything a broken server sends) is
// never the closing one (RFC 5936 2.2).
func (s *stream) closes(rr dns.RR) bool {
	soa, ok := rr.(*dns.SOA)
	return ok && soa.Serial == s.first().Serial && dns.CanonicalName(soa.Hdr.Name) == s.origin
}

// complete decides whether the closing SOA has arrived. An incremental IXFR
// carries the new SOA twice after the first (end of the last delta, then the
// closing one); an AXFR or AXFR-style IXFR once.
func (s *stream) complete() bool {
	switch {
	case len(s.rrs) == 0:
		return false
	case len(s.rrs) == 1:
		return s.qtype == dns.TypeIXFR // a lone SOA: nothing newer
	case !s.closes(s.rrs[len(s.rrs)-1]):
		return false // the answer ends with the closing SOA, nothing after it
	case s.incremental():
		// [SOA(N) SOA(N)] is an empty incremental answer.
		return s.closingSOA == 2 || len(s.rrs) == 2 && s.closingSOA == 1
	default:
		return s.closingSOA == 1
	}
}

func (s *stream) incremental() bool {
	return s.qtype == dns.TypeIXFR && len(s.rrs) > 1 && s.rrs[1].Header().Rrtype == dns.TypeSOA
}

func (s *stream) result() (*Result, error) {
	soa := s.first()
	r := &Result{SOA: soa, Records: len(s.rrs)}
	switch {
	case len(s.rrs) == 1:
		r.Kind = KindUpToDate
		return r, nil
	case s.incremental():
		r.Kind = KindIXFR
		var err error
		r.Deltas, err = zonever.ParseDeltas(s.rrs[1 : len(s.rrs)-1])
		for _, d := range r.Deltas {
			if err == nil && (dns.CanonicalName(d.From.Hdr.Name) != s.origin || dns.CanonicalName(d.To.Hdr.Name) != s.origin) {
				err = errors.New("IXFR difference sequence bounded by the SOA of another name (RFC 1995 4)")
			}
		}
		if len(r.Deltas) == 0 && err == nil {
			r.Kind = KindNoChanges
		}
		return r, err
	}
	r.Kind = KindAXFR
	if s.qtype == dns.TypeIXFR {
		r.Kind = KindIXFRFull
	}
	v, err := zonever.New(s.origin, s.rrs[:len(s.rrs)-1])
	r.Version = v
	return r, err
}
