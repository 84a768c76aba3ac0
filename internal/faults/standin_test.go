package faults

import (
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// A primary that misbehaves on purpose, written with miekg/dns because no
// real primary can be told to: it answers SOA checks and transfers for
// example. with TSIG, and its transfers can be made endless, slow, or its
// clock skewed. Knot serves every well-behaved case in these tests.

// Primary behaviours.
const (
	behaveGood    = iota // a complete transfer
	behaveEndless        // records without end, never the closing SOA
	behaveTrickle        // one small message a second, without end
	behaveSkewed         // its clock is off by skew: it answers BADTIME
)

type standin struct {
	addr   string
	key    *xfr.Key
	serial atomic.Uint32
	behave atomic.Int32
	skew   atomic.Int64 // nanoseconds its clock is ahead
	// sent counts records written in misbehaving transfers; cut is closed
	// once the receiver has hung up on one of them.
	sent    atomic.Int64
	cutOnce sync.Once
	cut     chan struct{}
}

const (
	clientKeyName = "client-key."
	clientSecret  = "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="
	nodeSecret    = "c2VjcmV0LW9mLXRoZS1ub2RlLWtleS0wMTIzNDU2Nzg5YWI="
)

// startStandin serves example. with serial 1 on a free loopback port.
func startStandin(t *testing.T) *standin {
	t.Helper()
	key, err := xfr.NewKey(clientKeyName, "hmac-sha256", clientSecret)
	if err != nil {
		t.Fatal(err)
	}
	s := &standin{key: key, cut: make(chan struct{})}
	s.serial.Store(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	pc, err := net.ListenPacket("udp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{
		{Listener: ln, Handler: s, TsigProvider: xfr.Provider(key)},
		{PacketConn: pc, Handler: s, TsigProvider: xfr.Provider(key)},
	} {
		go srv.ActivateAndServe()
		t.Cleanup(func() { srv.Shutdown() })
	}
	return s
}

func (s *standin) soa() *dns.SOA {
	rr, _ := dns.NewRR(fmt.Sprintf("example. 3600 IN SOA ns1.example. hostmaster.example. %d 1 1 3600 60", s.serial.Load()))
	return rr.(*dns.SOA)
}

// zone is a small well-formed zone: SOA, NS with glue, a few delegations.
func (s *standin) zone() []dns.RR {
	rrs := []dns.RR{s.soa()}
	for _, text := range []string{"example. 3600 IN NS ns1.example.", "example. 3600 IN NS ns2.example.",
		"ns1.example. 3600 IN A 192.0.2.1", "ns2.example. 3600 IN A 192.0.2.2", "www.example. 3600 IN A 192.0.2.80"} {
		rr, _ := dns.NewRR(text)
		rrs = append(rrs, rr)
	}
	for i := 0; i < 20; i++ {
		rr, _ := dns.NewRR(fmt.Sprintf("d%d.example. 3600 IN NS ns1.d%d.example.", i, i))
		rrs = append(rrs, rr)
	}
	return rrs
}

func (s *standin) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 || w.TsigStatus() != nil || req.IsTsig() == nil {
		m := new(dns.Msg).SetRcode(req, dns.RcodeRefused)
		w.WriteMsg(m)
		return
	}
	if s.behave.Load() == behaveSkewed && s.badTime(w, req) {
		return
	}
	switch req.Question[0].Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		s.transfer(w, req)
	default:
		m := new(dns.Msg).SetReply(req)
		m.Authoritative = true
		if req.Question[0].Qtype == dns.TypeSOA {
			m.Answer = []dns.RR{s.soa()}
		}
		s.sign(m, req)
		w.WriteMsg(m)
	}
}

func (s *standin) sign(m, req *dns.Msg) {
	t := req.IsTsig()
	m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Add(time.Duration(s.skew.Load())).Unix())
}

// badTime answers as RFC 8945 5.2.3 says a server whose clock is skew off
// ours answers a request signed outside the fudge: NOTAUTH, TSIG error
// BADTIME, and its own time in Other Data.
func (s *standin) badTime(w dns.ResponseWriter, req *dns.Msg) bool {
	t := req.IsTsig()
	now := time.Now().Add(time.Duration(s.skew.Load())).Unix()
	if d := now - int64(t.TimeSigned); d <= int64(t.Fudge) && -d <= int64(t.Fudge) {
		return false
	}
	m := new(dns.Msg).SetRcode(req, dns.RcodeNotAuth)
	m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, int64(t.TimeSigned))
	rt := m.IsTsig()
	rt.Error = dns.RcodeBadTime
	other := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		other[i] = byte(now)
		now >>= 8
	}
	rt.OtherData, rt.OtherLen = hex.EncodeToString(other), 6
	w.WriteMsg(m)
	return true
}

// transfer streams the zone, or misbehaves.
func (s *standin) transfer(w dns.ResponseWriter, req *dns.Msg) {
	ch := make(chan *dns.Envelope)
	done := make(chan error, 1)
	go func() { done <- new(dns.Transfer).Out(w, req, ch) }()
	mode := s.behave.Load()
	feed := func(rrs []dns.RR) bool {
		select {
		case ch <- &dns.Envelope{RR: rrs}:
			return true
		case err := <-done:
			done <- err
			return false
		}
	}
	first := s.zone()
	if mode == behaveGood {
		feed(append(first, s.soa()))
		close(ch)
		<-done
		return
	}
	feed(first)
	for i := 0; ; i++ {
		batch := make([]dns.RR, 0, 200)
		for j := 0; j < cap(batch); j++ {
			rr, _ := dns.NewRR(fmt.Sprintf("h%d-%d.example. 3600 IN A 192.0.2.%d", i, j, j%250+1))
			batch = append(batch, rr)
		}
		if mode == behaveTrickle {
			batch = batch[:1]
			time.Sleep(time.Second)
		}
		if !feed(batch) {
			s.cutOnce.Do(func() { close(s.cut) })
			return
		}
		s.sent.Add(int64(len(batch)))
	}
}
