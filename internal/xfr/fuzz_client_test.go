package xfr

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
	"anycloud/internal/zonever"
)

// scriptPalette is what a transfer script's record bytes pick from: the
// zone's SOA at three serials (1 is the client's), its data, and the
// records a broken or hostile server puts where they do not belong.
var scriptPalette = []string{
	"example. 60 IN SOA ns.example. admin.example. 2 60 60 600 60",
	"example. 60 IN SOA ns.example. admin.example. 1 60 60 600 60",
	"example. 60 IN SOA ns.example. admin.example. 3 60 60 600 60",
	"a.example. 60 IN A 192.0.2.1",
	"a.example. 60 IN A 192.0.2.2",
	"b.example. 60 IN TXT \"x\"",
	"example. 60 IN NS ns.example.",
	"ns.example. 60 IN A 192.0.2.53",
	"other.example. 60 IN SOA ns.example. admin.example. 2 60 60 600 60",
	"out.of.zone. 60 IN A 192.0.2.9",
	"a.example. 60 IN CNAME b.example.",
	"sub.example. 60 IN SOA ns.example. admin.example. 2 60 60 600 60",
	"example. 60 IN NS ns2.example.",
	"example. 60 IN SOA other.example. admin.example. 2 60 60 600 60",
}

// Flags of a message's end byte (0xC0 and above) in a script.
const (
	flagWrongID = 1 << iota
	flagUnsigned
	flagBadMAC // signed with another secret
	flagServfail
	flagClose // the server stops after this message
)

// scriptMsg is one answer message of a script.
type scriptMsg struct {
	rrs   []dns.RR
	flags byte
}

// parseScript turns fuzz bytes into answer messages: a byte below 0xC0
// adds a record from the palette, one from 0xC0 up ends the message with
// its low bits as flags; what follows the last end byte is one more
// message.
func parseScript(tb testing.TB, script []byte) []scriptMsg {
	palette := make([]dns.RR, len(scriptPalette))
	for i, s := range scriptPalette {
		rr, err := dns.NewRR(s)
		if err != nil {
			tb.Fatal(err)
		}
		palette[i] = rr
	}
	var out []scriptMsg
	cur := scriptMsg{}
	for _, b := range script {
		if b < 0xC0 {
			cur.rrs = append(cur.rrs, dns.Copy(palette[int(b)%len(palette)]))
			continue
		}
		cur.flags = b & 0x3F
		out = append(out, cur)
		if cur.flags&flagClose != 0 {
			return out
		}
		cur = scriptMsg{}
	}
	if len(cur.rrs) > 0 {
		out = append(out, cur)
	}
	return out
}

// scriptServer answers every transfer request on loopback with the
// current script, signing as miekg's server does (the first message with
// the request's MAC, the rest timers-only with the prior MAC), then closes.
type scriptServer struct {
	ln     net.Listener
	key    *Key
	wrong  *Key
	mu     sync.Mutex
	script []scriptMsg
	sign   bool
}

func startScriptServer(tb testing.TB, key *Key) *scriptServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	wrong, _ := NewKey(key.Name, "hmac-sha256", "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==")
	s := &scriptServer{ln: ln, key: key, wrong: wrong}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			script, sign := s.script, s.sign
			s.mu.Unlock()
			go s.serve(c, script, sign)
		}
	}()
	tb.Cleanup(func() { ln.Close() })
	return s
}

func (s *scriptServer) set(script []scriptMsg, sign bool) {
	s.mu.Lock()
	s.script, s.sign = script, sign
	s.mu.Unlock()
}

func (s *scriptServer) serve(c net.Conn, script []scriptMsg, sign bool) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var n uint16
	if binary.Read(c, binary.BigEndian, &n) != nil {
		return
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(c, raw); err != nil {
		return
	}
	req := new(dns.Msg)
	if req.Unpack(raw) != nil {
		return
	}
	mac, timersOnly := "", false
	if t := req.IsTsig(); t != nil {
		mac = t.MAC
	}
	for _, sm := range script {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Answer = sm.rrs
		if sm.flags&flagWrongID != 0 {
			m.Id++
		}
		if sm.flags&flagServfail != 0 {
			m.Rcode = dns.RcodeServerFailure
		}
		var out []byte
		var err error
		if sign && sm.flags&flagUnsigned == 0 {
			key := s.key
			if sm.flags&flagBadMAC != 0 {
				key = s.wrong
			}
			m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
			out, mac, err = dns.TsigGenerateWithProvider(m, Provider(key), mac, timersOnly)
			timersOnly = true
		} else {
			out, err = m.Pack()
		}
		if err != nil {
			return
		}
		if binary.Write(c, binary.BigEndian, uint16(len(out))) != nil {
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// validMsg says whether a client with or without a key must take message
// sm at all (ID, rcode, TSIG).
func validMsg(sm scriptMsg, keyed bool) bool {
	if sm.flags&(flagWrongID|flagServfail) != 0 {
		return false
	}
	return !keyed || sm.flags&(flagUnsigned|flagBadMAC) == 0
}

func isApexSOA(rr dns.RR, serial uint32) bool {
	soa, ok := rr.(*dns.SOA)
	return ok && dns.CanonicalName(soa.Hdr.Name) == "example." && soa.Serial == serial
}

// wellFormedFull reports whether rrs is a complete AXFR answer (RFC 5936
// 2.2): the zone's SOA first and last, nowhere between.
func wellFormedFull(rrs []dns.RR) bool {
	if len(rrs) < 2 {
		return false
	}
	first, ok := rrs[0].(*dns.SOA)
	if !ok || !isApexSOA(first, first.Serial) || !isApexSOA(rrs[len(rrs)-1], first.Serial) {
		return false
	}
	for _, rr := range rrs[1 : len(rrs)-1] {
		if isApexSOA(rr, first.Serial) {
			return false
		}
	}
	return true
}

// incrementalDeltas parses an incremental IXFR answer (RFC 1995 4): the
// new SOA, then deltas from serial have, each SOA(from) deletions SOA(to)
// additions, chained, the last reaching the new serial, then the new SOA
// once more, last. ok is false for anything else.
func incrementalDeltas(rrs []dns.RR, have uint32) (deltas []zonever.Delta, ok bool) {
	if len(rrs) < 3 {
		return nil, false
	}
	first, isSOA := rrs[0].(*dns.SOA)
	if !isSOA || !isApexSOA(first, first.Serial) || !isApexSOA(rrs[len(rrs)-1], first.Serial) {
		return nil, false
	}
	body := rrs[1 : len(rrs)-1]
	for _, rr := range body {
		if soa, isSOA := rr.(*dns.SOA); isSOA && !isApexSOA(soa, soa.Serial) {
			return nil, false
		}
	}
	deltas, err := zonever.ParseDeltas(body)
	if err != nil || len(deltas) == 0 {
		return nil, false
	}
	at := have
	for _, d := range deltas {
		if d.From.Serial != at {
			return nil, false
		}
		at = d.To.Serial
	}
	return deltas, at == first.Serial
}

// servedRecords is what a version serves, as sorted presentation lines of
// the snapshot the engine builds from it; false when it does not build.
func servedRecords(v *zonever.Version) ([]string, bool) {
	var rrs []dns.RR
	v.Each(func(rr dns.RR) error {
		rrs = append(rrs, rr)
		return nil
	})
	z, err := zone.Build(v.Origin, rrs)
	if err != nil {
		return nil, false
	}
	var out []string
	z.EachRecord(func(rr dns.RR) error {
		out = append(out, rr.String())
		return nil
	})
	slices.Sort(out)
	return out, true
}

// FuzzTransferClient runs the transfer client (AXFR into records, AXFR
// into a snapshot as nodes do, and Pull from a version at serial 1, which
// asks IXFR and may fall back to AXFR) against a scripted server on
// loopback whose answer messages the fuzzer writes: SOA first and last or
// not, IXFR deltas, records after the closing SOA, foreign SOAs, wrong
// IDs, unsigned or badly signed messages, error rcodes, a connection cut.
// Nothing panics, and a transfer is accepted only when some prefix of the
// messages, each with the request's ID, no error and (with a key) a valid
// signature, is a complete and well-formed answer ending with its last
// message (RFC 5936 2.2, RFC 1995 4), whose records the result holds.
func FuzzTransferClient(f *testing.F) {
	const end = 0xC0
	f.Add([]byte{0, 6, 7, 3, 5, 0}, uint8(0))
	f.Add([]byte{0, 6, 7, end, 3, end, 5, 0}, uint8(1))
	f.Add([]byte{0, 1, 3, 0, 4, 0}, uint8(2))                     // IXFR 1 -> 2
	f.Add([]byte{2, 1, 3, 0, 4, end, 0, 2, 5, 2}, uint8(2))       // IXFR 1 -> 2 -> 3
	f.Add([]byte{0, 6, 7, 4, 0}, uint8(2))                        // AXFR-style IXFR
	f.Add([]byte{0, 6, 7, 3, 0, 5}, uint8(0))                     // a record after the closing SOA
	f.Add([]byte{0, 6, 7, 3, 11}, uint8(1))                       // closing SOA of another name
	f.Add([]byte{0, 6, 7, end | flagUnsigned, 3, 0}, uint8(0))    // unsigned middle message
	f.Add([]byte{0, 6, 7, end | flagBadMAC, 3, 0}, uint8(1))      // badly signed middle message
	f.Add([]byte{0, 6, 7, end | flagWrongID, 3, 0}, uint8(0))     // wrong ID
	f.Add([]byte{0, 6, 7, 3, end | flagClose, 0}, uint8(1))       // cut before the closing SOA
	f.Add([]byte{0, 6, 7, end | flagUnsigned, 3, 0}, uint8(4))    // no key: unsigned is fine
	f.Add([]byte{0, 1, 3, 0, 4, 0, 9}, uint8(2))                  // IXFR with a trailing record
	f.Add([]byte{0, 1, 3, 0, 4, 0, end | flagServfail}, uint8(2)) // error after the close
	f.Add([]byte{0, 8, 3, 0, 4, 0}, uint8(2))                     // delta from another zone's SOA
	f.Add([]byte{0, 0}, uint8(2))                                 // empty incremental answer
	f.Add([]byte{1}, uint8(2))                                    // up to date
	f.Add([]byte{0, 6, 7, 10, 3, 0}, uint8(1))                    // CNAME and other data

	key, err := NewKey("node1-key.", "hmac-sha256", "c2VjcmV0LW9mLXRoZS1ub2RlLWtleS0wMTIzNDU2Nzg5YWI=")
	if err != nil {
		f.Fatal(err)
	}
	srv := startScriptServer(f, key)
	var haveRRs []dns.RR
	for _, s := range []string{scriptPalette[1], scriptPalette[6], scriptPalette[7], scriptPalette[3]} {
		rr, _ := dns.NewRR(s)
		haveRRs = append(haveRRs, rr)
	}
	have, err := zonever.New("example.", haveRRs)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, script []byte, mode uint8) {
		if len(script) > 200 {
			return
		}
		msgs := parseScript(t, script)
		keyed := mode&4 == 0
		srv.set(msgs, keyed)
		c := Client{Timeout: 2 * time.Second, Snapshot: mode%4 == 1}
		if keyed {
			c.Key = key
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		server := srv.ln.Addr().String()
		var p *Pulled
		switch mode % 4 {
		case 0, 1, 3:
			var r *Result
			r, err = c.AXFR(ctx, server, "example.")
			if err == nil {
				p = &Pulled{Kind: r.Kind, SOA: r.SOA, Version: r.Version}
			}
		case 2:
			p, err = c.Pull(ctx, server, "example.", have, false)
		}
		if ctx.Err() != nil {
			t.Fatalf("transfer still running after 10 s: %v", err)
		}
		if err != nil {
			if mode%4 != 2 && mustAccept(msgs, keyed) {
				t.Fatalf("mode %d: a complete, well-formed AXFR answer refused: %v", mode, err)
			}
			return
		}
		// Accepted: find the prefix of valid messages it stands on.
		var rrs []dns.RR
		for i, sm := range msgs {
			if !validMsg(sm, keyed) {
				break
			}
			rrs = append(rrs, sm.rrs...)
			if acceptable(t, p, rrs, have) {
				return
			}
			if i == len(msgs)-1 {
				break
			}
		}
		var b strings.Builder
		for _, sm := range msgs {
			fmt.Fprintf(&b, "-- message, flags %#x\n", sm.flags)
			for _, rr := range sm.rrs {
				b.WriteString(rr.String() + "\n")
			}
		}
		t.Fatalf("mode %d: accepted %s (serial %d) from an answer that is not complete and well-formed:\n%s", mode, p.Kind, p.SOA.Serial, b.String())
	})
}

// mustAccept reports whether msgs, all valid, are one complete AXFR
// answer of a zone the engine builds: the client must take it.
func mustAccept(msgs []scriptMsg, keyed bool) bool {
	var rrs []dns.RR
	for _, sm := range msgs {
		if !validMsg(sm, keyed) {
			return false
		}
		rrs = append(rrs, sm.rrs...)
	}
	if !wellFormedFull(rrs) {
		return false
	}
	v, err := zonever.New("example.", rrs[:len(rrs)-1])
	if err != nil {
		return false
	}
	_, builds := servedRecords(v)
	return builds
}

// acceptable reports whether p is what a client may make of the answer
// records rrs, given the version have it pulled from.
func acceptable(t *testing.T, p *Pulled, rrs []dns.RR, have *zonever.Version) bool {
	if len(rrs) == 0 {
		return false
	}
	first, ok := rrs[0].(*dns.SOA)
	if !ok || !isApexSOA(first, first.Serial) || p.SOA.Serial != first.Serial {
		return false
	}
	switch p.Kind {
	case KindUpToDate:
		lone := len(rrs) == 1
		empty := len(rrs) == 2 && isApexSOA(rrs[1], first.Serial)
		return (lone || empty) && p.Version == nil && !zonever.SerialNewer(first.Serial, have.Serial())
	case KindIXFR:
		deltas, ok := incrementalDeltas(rrs, have.Serial())
		if !ok || p.Version == nil {
			return false
		}
		want, err := zonever.Apply(have, deltas)
		if err != nil {
			return false
		}
		return sameServed(t, want, p.Version)
	case KindAXFR, KindIXFRFull:
		if !wellFormedFull(rrs) || p.Version == nil {
			return false
		}
		want, err := zonever.New("example.", rrs[:len(rrs)-1])
		if err != nil {
			return false
		}
		return sameServed(t, want, p.Version)
	}
	return false
}

// sameServed compares what two versions serve, or, when the engine does
// not build the expected one (the hub's gate refuses it later), their
// records as received.
func sameServed(t *testing.T, want, got *zonever.Version) bool {
	if w, ok := servedRecords(want); ok {
		g, ok := servedRecords(got)
		return ok && slices.Equal(w, g)
	}
	return slices.Equal(rawRecords(want), rawRecords(got))
}

func rawRecords(v *zonever.Version) []string {
	var out []string
	v.Each(func(rr dns.RR) error {
		out = append(out, rr.String())
		return nil
	})
	slices.Sort(out)
	return out
}

// TestStreamClosingSOA keeps what FuzzTransferClient found on the record
// path: answers that ended, or were read as complete, on something other
// than the zone's own SOA as their last record.
func TestStreamClosingSOA(t *testing.T) {
	a, child, other := "a.example. 60 A 192.0.2.1", "sub.example. 60 SOA ns admin 5 1 1 1 1", "other.example. 60 SOA ns admin 5 1 1 1 1"
	tests := []struct {
		name    string
		qtype   uint16
		answer  string
		done    bool
		wantErr bool // from result, once done
	}{
		{"AXFR closed by a child's SOA", dns.TypeAXFR, soa("5") + "\n" + a + "\n" + child, false, false},
		{"AXFR with a record after the closing SOA", dns.TypeAXFR, soa("5") + "\n" + a + "\n" + soa("5") + "\n" + a, false, false},
		{"IXFR with a record after the closing SOA", dns.TypeIXFR, soa("5") + "\n" + soa("4") + "\n" + soa("5") + "\n" + soa("5") + "\n" + a, false, false},
		{"IXFR delta ending at another zone's SOA", dns.TypeIXFR, soa("5") + "\n" + soa("4") + "\n" + other + "\n" + a + "\n" + soa("5"), false, false},
		{"IXFR delta bounded by another zone's SOAs", dns.TypeIXFR, soa("6") + "\n" + soa("4") + "\n" + other + "\n" + other + "\n" + soa("6") + "\n" + a + "\n" + soa("6"), true, true},
		{"AXFR well-formed", dns.TypeAXFR, soa("5") + "\n" + a + "\n" + soa("5"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{origin: "example.", qtype: tt.qtype, have: 4}
			if err := s.add(rrs(t, tt.answer)); err != nil {
				t.Fatal(err)
			}
			if s.done != tt.done {
				t.Fatalf("complete: %v, want %v", s.done, tt.done)
			}
			if !s.done {
				return
			}
			if _, err := s.result(); (err != nil) != tt.wantErr {
				t.Fatalf("result error %v, want one: %v", err, tt.wantErr)
			}
		})
	}
}
