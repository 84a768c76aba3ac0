package conformance

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// queryTimeout bounds one query; a server that stays silent that long is
// recorded as "no response", which is itself compared.
const queryTimeout = 1500 * time.Millisecond

// response is what one server did with one query.
type response struct {
	Msg  *dns.Msg // nil when Err is set
	Size int      // octets on the wire
	Err  error    // no response, or one that does not parse
}

// buildQuery turns a spec into the message sent, identical for every server.
func buildQuery(q querySpec) *dns.Msg {
	m := &dns.Msg{}
	m.Id = dns.Id()
	m.Opcode = q.Opcode
	m.RecursionDesired = q.RD
	m.CheckingDisabled = q.CD
	m.AuthenticatedData = q.AD
	m.Response = q.QR
	for range q.Questions {
		m.Question = append(m.Question, dns.Question{Name: q.Name, Qtype: q.Qtype, Qclass: q.Qclass})
	}
	if q.Qtype == dns.TypeIXFR {
		m.Ns = []dns.RR{&dns.SOA{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeSOA, Class: q.Qclass},
			Ns:  ".", Mbox: ".", Serial: q.IXFRSerial,
		}}
	}
	switch {
	case q.EDNS && q.OPTIn == "answer":
		m.Answer = append(m.Answer, buildOPT(q))
	case q.EDNS && q.OPTIn == "authority":
		m.Ns = append(m.Ns, buildOPT(q))
	case q.EDNS:
		m.Extra = append(m.Extra, buildOPT(q))
	}
	if q.TwoOPT {
		m.Extra = append(m.Extra, buildOPT(q))
	}
	return m
}

func buildOPT(q querySpec) *dns.OPT {
	opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	opt.SetUDPSize(q.BufSize)
	opt.SetDo(q.DO)
	opt.SetVersion(q.EDNSVersion)
	if q.NSID {
		opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	}
	if q.Cookie {
		opt.Option = append(opt.Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0123456789abcdef"})
	}
	for _, code := range q.Options {
		opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: code, Data: []byte{0xca, 0xfe}})
	}
	return opt
}

// packQuery packs m, leaving off the last q.Cut octets.
func packQuery(q querySpec, m *dns.Msg) ([]byte, error) {
	raw, err := m.Pack()
	if err != nil {
		return nil, err
	}
	if q.Cut >= len(raw) {
		return nil, fmt.Errorf("cut=%d of a %d-octet query", q.Cut, len(raw))
	}
	return raw[:len(raw)-q.Cut], nil
}

// exchange sends the packed query raw (whose header is m's) to addr and
// reads one answer with a 64 KiB buffer, so that a server sending more than
// the query allowed is seen, not hidden by a short read.
func exchange(addr string, tcp bool, m *dns.Msg, raw []byte) response {
	network := map[bool]string{true: "tcp", false: "udp"}[tcp]
	conn, err := net.DialTimeout(network, addr, queryTimeout)
	if err != nil {
		return response{Err: fmt.Errorf("dial %s %s: %w", network, addr, err)}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(queryTimeout))
	co := &dns.Conn{Conn: conn, UDPSize: dns.MaxMsgSize}
	if _, err := co.Write(raw); err != nil {
		return response{Err: fmt.Errorf("send: %w", err)}
	}
	answer, err := co.ReadMsgHeader(nil)
	if err != nil {
		return response{Err: fmt.Errorf("no response: %w", err)}
	}
	return parseResponse(m, answer)
}

func parseResponse(query *dns.Msg, raw []byte) response {
	msg := &dns.Msg{}
	if err := msg.Unpack(raw); err != nil {
		return response{Size: len(raw), Err: fmt.Errorf("unparsable response (%d octets): %w", len(raw), err)}
	}
	if msg.Id != query.Id {
		return response{Size: len(raw), Err: fmt.Errorf("response id %d, query id %d", msg.Id, query.Id)}
	}
	return response{Msg: msg, Size: len(raw)}
}

// loopbackV6Usable reports whether addr on ::1 can be bound for UDP.
func loopbackV6Usable(addr string) bool {
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// errTimeout stands for a server that did not answer, in harness tests.
var errTimeout = errors.New("no response: i/o timeout")

// errUnexpectedID is an answer whose ID matches no query sent.
var errUnexpectedID = errors.New("answer with an ID no query had")
