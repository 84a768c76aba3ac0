package authserver

import (
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// answerCase reads like a zone file: what to ask and every record expected
// in each section, compared as sets of presentation lines.
type answerCase struct {
	qname  string
	qtype  uint16
	do     bool
	noEDNS bool
	rcode  int
	aa     bool
	tc     bool
	answer []string
	ns     []string
	extra  []string // not counting OPT
}

func testServer(t testing.TB) *Server {
	t.Helper()
	s := New(Config{NSID: "test-node", Version: "anycloud test", Logger: slog.New(slog.DiscardHandler)})
	for origin, file := range map[string]string{"sv.": "testdata/sv.zone", "com.sv.": "testdata/com.sv.zone"} {
		z, err := zone.Load(origin, file)
		if err != nil {
			t.Fatal(err)
		}
		s.Publish(z)
	}
	return s
}

const soaNeg = "sv. 300 IN SOA ns1.anycloud.example. hostmaster.svnet.sv. 2026112601 3600 900 1209600 300"

var answerCases = []answerCase{
	{qname: "sv.", qtype: dns.TypeSOA, aa: true,
		answer: []string{"sv. 3600 IN SOA ns1.anycloud.example. hostmaster.svnet.sv. 2026112601 3600 900 1209600 300"}},
	{qname: "sv.", qtype: dns.TypeNS, aa: true,
		answer: []string{"sv. 86400 IN NS ns1.anycloud.example.", "sv. 86400 IN NS ns.sv."},
		extra:  []string{"ns.sv. 86400 IN A 192.0.2.53", "ns.sv. 86400 IN AAAA 2001:db8::53"}},
	{qname: "WwW.Sv.", qtype: dns.TypeA, aa: true,
		answer: []string{"WwW.Sv. 86400 IN CNAME web.sv.", "web.sv. 86400 IN A 192.0.2.80"}},
	{qname: "nothere.sv.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError, ns: []string{soaNeg}},
	{qname: "web.sv.", qtype: dns.TypeMX, aa: true, ns: []string{soaNeg}},
	{qname: "c.sv.", qtype: dns.TypeA, aa: true, ns: []string{soaNeg}},   // empty non-terminal
	{qname: "b.c.sv.", qtype: dns.TypeA, aa: true, ns: []string{soaNeg}}, // empty non-terminal
	{qname: "x.y.gob.sv.", qtype: dns.TypeA,
		ns:    []string{"gob.sv. 86400 IN NS ns1.gob.sv.", "gob.sv. 86400 IN NS ns2.gob.sv.", "gob.sv. 86400 IN NS ns.elsewhere.example."},
		extra: []string{"ns1.gob.sv. 86400 IN A 192.0.2.10", "ns2.gob.sv. 86400 IN AAAA 2001:db8::10"}},
	{qname: "gob.sv.", qtype: dns.TypeDS, aa: true,
		answer: []string{"gob.sv. 86400 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"}},
	{qname: "edu.sv.", qtype: dns.TypeA, // sibling glue: ns.sv. is in the parent zone
		ns:    []string{"edu.sv. 86400 IN NS ns.sv."},
		extra: []string{"ns.sv. 86400 IN A 192.0.2.53", "ns.sv. 86400 IN AAAA 2001:db8::53"}},
	{qname: "a.b.wild.sv.", qtype: dns.TypeTXT, aa: true, answer: []string{`a.b.wild.sv. 86400 IN TXT "wildcard"`}},
	{qname: "x.wild.sv.", qtype: dns.TypeA, aa: true, ns: []string{soaNeg}}, // wildcard NODATA
	{qname: "x.old.sv.", qtype: dns.TypeA, aa: true,
		answer: []string{"old.sv. 86400 IN DNAME new.sv.", "x.old.sv. 86400 IN CNAME x.new.sv.", "x.new.sv. 86400 IN A 192.0.2.98"}},
	{qname: "old.sv.", qtype: dns.TypeA, aa: true, ns: []string{soaNeg}},
	{qname: "loop1.sv.", qtype: dns.TypeA, aa: true,
		answer: []string{"loop1.sv. 86400 IN CNAME loop2.sv.", "loop2.sv. 86400 IN CNAME loop1.sv."}},
	{qname: "mail.sv.", qtype: dns.TypeMX, aa: true,
		answer: []string{"mail.sv. 86400 IN MX 10 mx.mail.sv."}, extra: []string{"mx.mail.sv. 86400 IN A 192.0.2.25"}},
	{qname: "shop.com.sv.", qtype: dns.TypeA, aa: true, answer: []string{"shop.com.sv. 3600 IN A 192.0.2.71"}},
	{qname: "com.sv.", qtype: dns.TypeSOA, aa: true, answer: []string{"com.sv. 3600 IN SOA ns.com.sv. hostmaster.com.sv. 7 3600 900 1209600 60"}},
	{qname: "example.com.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
	{qname: "sv.", qtype: dns.TypeAXFR, rcode: dns.RcodeRefused},
	{qname: "id.server.", qtype: dns.TypeTXT, rcode: dns.RcodeRefused}, // class IN: not ours
}

func TestAnswers(t *testing.T) {
	s := testServer(t)
	h := newHandler(s)
	for _, tc := range answerCases {
		t.Run(tc.qname+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			req := new(dns.Msg)
			req.SetQuestion(tc.qname, tc.qtype)
			req.RecursionDesired = false
			if !tc.noEDNS {
				req.SetEdns0(1232, tc.do)
			}
			resp := exchangeHandler(t, h, req, true)
			checkAnswer(t, tc, req, resp)
		})
	}
}

func exchangeHandler(t *testing.T, h *handler, req *dns.Msg, udp bool) *dns.Msg {
	t.Helper()
	wire, err := req.Pack()
	if err != nil {
		t.Fatal(err)
	}
	out := h.handle(wire, netip.MustParseAddrPort("192.0.2.1:5353"), udp)
	if out == nil {
		t.Fatal("no response")
	}
	resp := new(dns.Msg)
	if err := resp.Unpack(out); err != nil {
		t.Fatalf("response does not parse: %v", err)
	}
	return resp
}

func checkAnswer(t *testing.T, tc answerCase, req, resp *dns.Msg) {
	t.Helper()
	if resp.Id != req.Id || !resp.Response {
		t.Errorf("id/QR wrong: %v", resp.MsgHdr)
	}
	if resp.Rcode != tc.rcode {
		t.Errorf("rcode %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tc.rcode])
	}
	if resp.Authoritative != tc.aa || resp.Truncated != tc.tc {
		t.Errorf("AA=%v TC=%v, want AA=%v TC=%v", resp.Authoritative, resp.Truncated, tc.aa, tc.tc)
	}
	if len(resp.Question) != 1 || resp.Question[0].Name != req.Question[0].Name {
		t.Errorf("question not echoed exactly: %v", resp.Question)
	}
	compareSection(t, "answer", resp.Answer, tc.answer)
	compareSection(t, "authority", resp.Ns, tc.ns)
	var extra []dns.RR
	for _, rr := range resp.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	compareSection(t, "additional", extra, tc.extra)
}

func compareSection(t *testing.T, name string, got []dns.RR, want []string) {
	t.Helper()
	g := make([]string, len(got))
	for i, rr := range got {
		g[i] = normalize(rr.String())
	}
	w := make([]string, len(want))
	for i, s := range want {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("bad expectation %q: %v", s, err)
		}
		w[i] = normalize(rr.String())
	}
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s section:\n got:\n  %s\n want:\n  %s", name, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// normalize folds spacing and case: names compare case-insensitively, and
// compression may borrow the letter case of the question (as Knot does).
func normalize(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
