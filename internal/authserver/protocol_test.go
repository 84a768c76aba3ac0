package authserver

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// TestTruncation: a response that does not fit sets TC and carries no
// partial RRSet; the same over TCP comes whole.
func TestTruncation(t *testing.T) {
	h := newHandler(testServer(t))
	req := new(dns.Msg)
	req.SetQuestion("big.sv.", dns.TypeTXT)
	resp := exchangeHandler(t, h, req, true) // no EDNS: 512 bytes
	if !resp.Truncated || len(resp.Answer) != 0 {
		t.Errorf("UDP 512: TC=%v answers=%d, want TC and no partial RRSet", resp.Truncated, len(resp.Answer))
	}
	req.SetEdns0(1232, false)
	if resp = exchangeHandler(t, h, req, true); resp.Truncated || len(resp.Answer) != 6 {
		t.Errorf("UDP 1232: TC=%v answers=%d, want 6", resp.Truncated, len(resp.Answer))
	}
	req.Extra = nil
	if resp = exchangeHandler(t, h, req, false); resp.Truncated || len(resp.Answer) != 6 {
		t.Errorf("TCP: TC=%v answers=%d, want 6", resp.Truncated, len(resp.Answer))
	}
}

func TestEDNS(t *testing.T) {
	h := newHandler(testServer(t))
	req := new(dns.Msg)
	req.SetQuestion("sv.", dns.TypeSOA)
	req.SetEdns0(4096, true)
	opt := req.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID}, &dns.EDNS0_LOCAL{Code: 65001, Data: []byte{1, 2}})
	resp := exchangeHandler(t, h, req, true)
	ropt := resp.IsEdns0()
	if ropt == nil || !ropt.Do() || ropt.UDPSize() != 1232 || ropt.Version() != 0 {
		t.Fatalf("OPT not echoed as expected: %v", ropt)
	}
	if len(ropt.Option) != 1 || ropt.Option[0].(*dns.EDNS0_NSID).Nsid != "746573742d6e6f6465" {
		t.Errorf("want only NSID test-node, got %v", ropt.Option)
	}
	opt.SetVersion(1)
	resp = exchangeHandler(t, h, req, true)
	if resp.Rcode != dns.RcodeBadVers || len(resp.Answer) != 0 {
		t.Errorf("EDNS version 1: rcode %s, want BADVERS", dns.RcodeToString[resp.Rcode])
	}
}

func TestTwoOPTIsFormErr(t *testing.T) {
	h := newHandler(testServer(t))
	req := new(dns.Msg)
	req.SetQuestion("sv.", dns.TypeSOA)
	req.SetEdns0(1232, false)
	req.Extra = append(req.Extra, req.Extra[0])
	if resp := exchangeHandler(t, h, req, true); resp.Rcode != dns.RcodeFormatError {
		t.Errorf("two OPT: rcode %s, want FORMERR", dns.RcodeToString[resp.Rcode])
	}
}

func TestOpcodesAndClasses(t *testing.T) {
	h := newHandler(testServer(t))
	cases := []struct {
		name   string
		opcode int
		qclass uint16
		qname  string
		qtype  uint16
		rcode  int
		answer string
	}{
		{"status", dns.OpcodeStatus, dns.ClassINET, "sv.", dns.TypeSOA, dns.RcodeNotImplemented, ""},
		{"update", dns.OpcodeUpdate, dns.ClassINET, "sv.", dns.TypeSOA, dns.RcodeNotImplemented, ""},
		// No NOTIFY hook (anycloud serve): NOTAUTH with the question, as Knot.
		{"notify", dns.OpcodeNotify, dns.ClassINET, "www.sv.", dns.TypeSOA, dns.RcodeNotAuth, ""},
		{"id.server", dns.OpcodeQuery, dns.ClassCHAOS, "id.server.", dns.TypeTXT, 0, `id.server. 0 CH TXT "test-node"`},
		{"hostname.bind", dns.OpcodeQuery, dns.ClassCHAOS, "hostname.bind.", dns.TypeTXT, 0, `hostname.bind. 0 CH TXT "test-node"`},
		{"version.bind", dns.OpcodeQuery, dns.ClassCHAOS, "version.bind.", dns.TypeTXT, 0, `version.bind. 0 CH TXT "anycloud test"`},
		{"other chaos", dns.OpcodeQuery, dns.ClassCHAOS, "authors.bind.", dns.TypeTXT, dns.RcodeRefused, ""},
		{"class any", dns.OpcodeQuery, dns.ClassANY, "sv.", dns.TypeSOA, 0, "sv. 3600 IN SOA ns1.anycloud.example. hostmaster.svnet.sv. 2026112601 3600 900 1209600 300"},
		{"maila", dns.OpcodeQuery, dns.ClassINET, "sv.", dns.TypeMAILA, 0, ""},
		{"chaos A", dns.OpcodeQuery, dns.ClassCHAOS, "id.server.", dns.TypeA, dns.RcodeRefused, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := new(dns.Msg)
			req.SetQuestion(tc.qname, tc.qtype)
			req.Question[0].Qclass = tc.qclass
			req.Opcode = tc.opcode
			resp := exchangeHandler(t, h, req, true)
			if resp.Rcode != tc.rcode || (resp.Opcode != tc.opcode && len(resp.Question) > 0) {
				t.Errorf("rcode %s opcode %d, want %s %d", dns.RcodeToString[resp.Rcode], resp.Opcode, dns.RcodeToString[tc.rcode], tc.opcode)
			}
			var want []string
			if tc.answer != "" {
				want = []string{tc.answer}
			}
			compareSection(t, "answer", resp.Answer, want)
		})
	}
}

// TestMalformed: garbage never crashes the server; what has a sound header
// gets FORMERR, the rest is dropped.
func TestMalformed(t *testing.T) {
	h := newHandler(testServer(t))
	src := netip.MustParseAddrPort("192.0.2.1:53")
	good, _ := new(dns.Msg).SetQuestion("sv.", dns.TypeSOA).Pack()
	cases := []struct {
		name    string
		msg     []byte
		formerr bool
	}{
		{"short", []byte{1, 2, 3}, false},
		{"response bit", func() []byte { b := append([]byte(nil), good...); b[2] |= 0x80; return b }(), false},
		{"two questions", func() []byte { b := append([]byte(nil), good...); binary.BigEndian.PutUint16(b[4:], 2); return b }(), true},
		{"truncated question", good[:len(good)-3], true},
		{"pointer in question", append(append([]byte(nil), good[:12]...), 0xC0, 12, 0, 6, 0, 1), true},
		{"trailing garbage", append(append([]byte(nil), good...), 1, 2, 3), true},
		// OPT or TSIG outside the additional section: FORMERR, as Knot.
		{"OPT in answer", misplaced(dns.TypeOPT, true), true},
		{"OPT in authority", misplaced(dns.TypeOPT, false), true},
		{"TSIG in answer", misplaced(dns.TypeTSIG, true), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := h.handle(tc.msg, src, true)
			if !tc.formerr {
				if out != nil {
					t.Fatalf("want no response, got %d bytes", len(out))
				}
				return
			}
			resp := new(dns.Msg)
			if err := resp.Unpack(out); err != nil {
				t.Fatalf("FORMERR does not parse: %v", err)
			}
			if resp.Rcode != dns.RcodeFormatError {
				t.Errorf("rcode %s, want FORMERR", dns.RcodeToString[resp.Rcode])
			}
		})
	}
}

// TestDSFromParentSide: a DS query for the apex of a hosted child zone is
// answered by the hosted parent (RFC 4035 3.1.4.1).
func TestDSFromParentSide(t *testing.T) {
	h := newHandler(testServer(t))
	req := new(dns.Msg)
	req.SetQuestion("com.sv.", dns.TypeDS)
	resp := exchangeHandler(t, h, req, true)
	if !resp.Authoritative || len(resp.Ns) != 1 || resp.Ns[0].Header().Name != "sv." {
		t.Errorf("want NODATA from sv., got %v", resp)
	}
}

// misplaced packs an SOA query with an OPT or TSIG record in the answer
// (or authority) section instead of the additional one.
func misplaced(rtype uint16, answer bool) []byte {
	req := new(dns.Msg).SetQuestion("sv.", dns.TypeSOA)
	var rr dns.RR = &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT, Class: 1232}}
	if rtype == dns.TypeTSIG {
		rr = &dns.TSIG{Hdr: dns.RR_Header{Name: "key.", Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
			Algorithm: dns.HmacSHA256, MACSize: 0, OtherLen: 0}
	}
	if answer {
		req.Answer = append(req.Answer, rr)
	} else {
		req.Ns = append(req.Ns, rr)
	}
	b, err := req.Pack()
	if err != nil {
		panic(err)
	}
	return b
}
