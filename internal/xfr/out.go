package xfr

import (
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// maxMessageBytes bounds the uncompressed size of the records put into one
// transfer message, well below the 65535-byte TCP limit.
const maxMessageBytes = 32000

// Served is what a transfer server answers from: the current version, its
// journal, and the EDNS EXPIRE value to report (nil: none).
type Served struct {
	Version *zonever.Version
	Journal *zonever.Journal
	Expire  *uint32
}

// ServeAXFR writes the whole zone to w, TSIG-signed if req was.
func ServeAXFR(w dns.ResponseWriter, req *dns.Msg, s Served) error {
	v := s.Version
	return send(w, req, s.Expire, func(emit func(dns.RR) error) error {
		if err := v.Each(emit); err != nil {
			return err
		}
		return emit(v.SOA())
	})
}

// ServeIXFR answers an IXFR (RFC 1995): the lone SOA when the client is up
// to date, the journal's deltas when it reaches back to the client's
// serial, the whole zone (AXFR-style) otherwise. Over UDP only the SOA is
// sent, which tells the client to retry over TCP.
func ServeIXFR(w dns.ResponseWriter, req *dns.Msg, s Served) error {
	cur := s.Version.SOA()
	client, ok := clientSerial(req)
	udp := w.LocalAddr().Network() == "udp"
	if !ok || udp || !zonever.SerialNewer(cur.Serial, client) {
		return send(w, req, s.Expire, func(emit func(dns.RR) error) error { return emit(cur) })
	}
	deltas, ok := s.Journal.Since(client)
	if !ok || deltas[len(deltas)-1].To.Serial != cur.Serial {
		return ServeAXFR(w, req, s)
	}
	return send(w, req, s.Expire, func(emit func(dns.RR) error) error {
		return emitDeltas(emit, cur, deltas)
	})
}

func emitDeltas(emit func(dns.RR) error, cur *dns.SOA, deltas []zonever.Delta) error {
	for _, rr := range append(append([]dns.RR{cur}, zonever.Flatten(deltas)...), cur) {
		if err := emit(rr); err != nil {
			return err
		}
	}
	return nil
}

func clientSerial(req *dns.Msg) (uint32, bool) {
	for _, rr := range req.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, true
		}
	}
	return 0, false
}

// send batches the records produced by gen into messages and writes them,
// signing each with the request's key (the first fully, the rest with
// timers only, RFC 8945 section 5.3.1).
func send(w dns.ResponseWriter, req *dns.Msg, expire *uint32, gen func(emit func(dns.RR) error) error) error {
	var batch []dns.RR
	size, first := 0, true
	flush := func() error {
		m := reply(req, batch, first, expire)
		batch, size = nil, 0
		if err := w.WriteMsg(m); err != nil {
			return err
		}
		first = false
		w.TsigTimersOnly(true)
		return nil
	}
	emit := func(rr dns.RR) error {
		n := dns.Len(rr)
		if size+n > maxMessageBytes && len(batch) > 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		batch, size = append(batch, rr), size+n
		return nil
	}
	if err := gen(emit); err != nil {
		return err
	}
	return flush()
}

func reply(req *dns.Msg, answer []dns.RR, first bool, expire *uint32) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.Compress = true
	m.Answer = answer
	if first {
		addExpire(m, req, expire)
	}
	if t := req.IsTsig(); t != nil {
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
	}
	return m
}

// addExpire adds the EDNS EXPIRE option (RFC 7314) when the request asked
// for it and there is a value to give.
func addExpire(m, req *dns.Msg, expire *uint32) {
	ropt := req.IsEdns0()
	if ropt == nil {
		return
	}
	m.SetEdns0(1232, false)
	if expire == nil || expireOptionAsked(ropt) == false {
		return
	}
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Expire: *expire})
}

func expireOptionAsked(opt *dns.OPT) bool {
	for _, o := range opt.Option {
		if o.Option() == dns.EDNS0EXPIRE {
			return true
		}
	}
	return false
}

// ServeSOA answers a SOA query with the current SOA (and EDNS EXPIRE when
// asked), signed like the request.
func ServeSOA(w dns.ResponseWriter, req *dns.Msg, s Served) error {
	m := reply(req, []dns.RR{s.Version.SOA()}, true, s.Expire)
	return w.WriteMsg(m)
}
