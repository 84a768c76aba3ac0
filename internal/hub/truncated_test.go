package hub

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// cuttingPrimary is a deliberately broken primary: it serves the zone
// correctly while cut is false, and otherwise sends the first half of the
// transfer and closes the connection. Real servers do not misbehave on
// request, hence this small stand-in for a crashed primary or a broken path.
type cuttingPrimary struct {
	serial atomic.Uint32
	cut    atomic.Bool
	noIXFR atomic.Bool
	addr   string
}

func (p *cuttingPrimary) records() []dns.RR {
	text := testpeer.ZoneText("example.", p.serial.Load(), 3600, 600, 86400, 200)
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	return rrs
}

func (p *cuttingPrimary) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	rrs := p.records()
	reply := func(answer []dns.RR) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		m.Answer = answer
		if t := req.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
		}
		return m
	}
	q := req.Question[0]
	if q.Qtype == dns.TypeSOA {
		w.WriteMsg(reply(rrs[:1]))
		return
	}
	if q.Qtype == dns.TypeIXFR && p.noIXFR.Load() {
		m := reply(nil)
		m.Rcode = dns.RcodeNotImplemented
		w.WriteMsg(m)
		return
	}
	if p.cut.Load() {
		w.WriteMsg(reply(rrs[:len(rrs)/2]))
		w.Close() // the connection dies half way
		return
	}
	w.WriteMsg(reply(append(rrs, rrs[0])))
}

func startCuttingPrimary(t *testing.T) *cuttingPrimary {
	p := &cuttingPrimary{}
	p.serial.Store(1)
	port := testpeer.FreePort(t)
	p.addr = fmt.Sprintf("127.0.0.1:%d", port)
	key, _ := xfr.NewKey("client-key.", "hmac-sha256", clientSecret)
	for _, network := range []string{"udp", "tcp"} {
		up := make(chan struct{})
		s := &dns.Server{Addr: p.addr, Net: network, Handler: p, TsigProvider: xfr.Provider(key),
			NotifyStartedFunc: func() { close(up) }}
		go s.ListenAndServe()
		<-up
		t.Cleanup(func() { s.Shutdown() })
	}
	return p
}

func TestFailureTruncatedTransfer(t *testing.T) {
	primary := startCuttingPrimary(t)
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{primary.addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)

	primary.serial.Store(2)
	primary.cut.Store(true)
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "cut after", "truncated transfer discarded")

	// The stand-in answers IXFR with the whole zone (AXFR-style, RFC 1995
	// section 4), which the hub must take as a full version.
	primary.cut.Store(false)
	st = th.checkNow(t, "example.")
	th.waitSerial(t, "example.", 2, 5*time.Second)
	if st.Refresh.LastKind != string(xfr.KindIXFRFull) {
		t.Errorf("transfer kind %q, want %q", st.Refresh.LastKind, xfr.KindIXFRFull)
	}
	// and computes the difference itself, so nodes still get an IXFR.
	c := xfr.Client{Key: th.nodeKey, Timeout: 2 * time.Second}
	r, err := c.IXFR(context.Background(), th.addr, soaWithSerial(th.Current("example.").SOA(), 1))
	if err != nil || r.Kind != xfr.KindIXFR || len(r.Deltas) != 1 || len(r.Deltas[0].Added) != 0 {
		t.Fatalf("IXFR from the hub after an AXFR-style answer: %+v %v", r, err)
	}
}

// TestIXFRNotImplementedFallsBackToAXFR: a primary answering NOTIMP to IXFR
// is served by AXFR.
func TestIXFRNotImplementedFallsBackToAXFR(t *testing.T) {
	primary := startCuttingPrimary(t)
	primary.noIXFR.Store(true)
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{primary.addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	primary.serial.Store(2)
	st := th.checkNow(t, "example.")
	th.waitSerial(t, "example.", 2, 5*time.Second)
	if st.Refresh.LastKind != string(xfr.KindAXFR) {
		t.Errorf("transfer kind %q, want AXFR after NOTIMP", st.Refresh.LastKind)
	}
}
