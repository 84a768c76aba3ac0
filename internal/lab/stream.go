package lab

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// A query stream measures what a client sees during a failure: it sends
// one query every Interval from inside a lab host to a service address
// over UDP and records who answered each one (NSID) and when.

// StreamAnswer is one query of a stream.
type StreamAnswer struct {
	Sent     time.Time
	Received time.Time // zero: no answer within the timeout (lost)
	Node     string    // NSID of the answer
}

// Lost reports whether the query went unanswered.
func (a StreamAnswer) Lost() bool { return a.Received.IsZero() }

// Stream is a running query stream.
type Stream struct {
	conn    net.PacketConn
	target  net.Addr
	query   *dns.Msg
	timeout time.Duration

	mu      sync.Mutex
	answers []StreamAnswer // index = query id
	done    chan struct{}
}

// StartStream sends "qname SOA" with NSID from inside namespace ns to addr
// every interval until Stop; each query is lost if unanswered after
// timeout. At most 60000 queries are sent (ids are not reused).
func StartStream(ns string, addr netip.Addr, qname string, interval, timeout time.Duration) (*Stream, error) {
	network := "udp4"
	if addr.Is6() {
		network = "udp6"
	}
	var conn net.PacketConn
	err := InNamespace(ns, func() error {
		var err error
		conn, err = net.ListenPacket(network, ":0")
		return err
	})
	if err != nil {
		return nil, err
	}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(qname), dns.TypeSOA)
	q.RecursionDesired = false
	q.SetEdns0(1232, false)
	q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	s := &Stream{conn: conn, target: net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 53)), query: q,
		timeout: timeout, done: make(chan struct{})}
	go s.receive()
	go s.send(interval)
	return s, nil
}

const maxStreamQueries = 60000

func (s *Stream) send(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for id := 0; id < maxStreamQueries; id++ {
		s.query.Id = uint16(id)
		wire, _ := s.query.Pack()
		s.mu.Lock()
		s.answers = append(s.answers, StreamAnswer{Sent: time.Now()})
		s.mu.Unlock()
		s.conn.WriteTo(wire, s.target)
		select {
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

func (s *Stream) receive() {
	buf := make([]byte, 4096)
	for {
		n, _, err := s.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		now := time.Now()
		var m dns.Msg
		if err != nil || m.Unpack(buf[:n]) != nil {
			continue
		}
		s.mu.Lock()
		if id := int(m.Id); id < len(s.answers) && s.answers[id].Received.IsZero() && now.Sub(s.answers[id].Sent) <= s.timeout {
			s.answers[id].Received, s.answers[id].Node = now, nsidOf(&m)
		}
		s.mu.Unlock()
	}
}

// Stop ends the stream, waits for the last answers, and returns every
// query in the order sent.
func (s *Stream) Stop(ctx context.Context) []StreamAnswer {
	close(s.done)
	select {
	case <-ctx.Done():
	case <-time.After(s.timeout):
	}
	s.conn.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StreamAnswer(nil), s.answers...)
}

func nsidOf(m *dns.Msg) string {
	if opt := m.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if n, ok := o.(*dns.EDNS0_NSID); ok {
				b, _ := hex.DecodeString(n.Nsid)
				return string(b)
			}
		}
	}
	return ""
}

// Switchover summarises a stream around a failure at time at: queries lost
// (sent from at on, or in flight then), and the first answer from another
// node than from.
type Switchover struct {
	Sent, Lost int
	// ToNext is from the failure to the first answer by a node other than
	// from; NextNode names it.
	ToNext   time.Duration
	NextNode string
}

// Summarise computes the switchover in answers for a failure of node from
// at time at.
func Summarise(answers []StreamAnswer, from string, at time.Time) Switchover {
	var sw Switchover
	for _, a := range answers {
		sw.Sent++
		if a.Lost() {
			sw.Lost++
			continue
		}
		if a.Node != from && a.Received.After(at) && sw.NextNode == "" {
			sw.ToNext, sw.NextNode = a.Received.Sub(at), a.Node
		}
	}
	return sw
}
