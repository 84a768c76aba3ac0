package authserver

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/zone"
)

// Signed-zone regressions found by the conformance run against Knot DNS and
// NSD (internal/conformance, TestSignedEdgeCasesAnswerLikeKnot). The zones
// are two signings of internal/conformance/testdata/zones/edge.zone: ne.
// (NSEC) and n3o. (NSEC3 with opt-out), and aw. (apexwild.zone, a wildcard
// at the apex, NSEC). Records are compared in a short form,
// "owner TYPE" with the covered type of an RRSIG, the target of a CNAME or
// DNAME and the next name of an NSEC, so that the table stays readable;
// "nsec3(NAME)" stands for the owner of the NSEC3 record that matches or
// covers NAME.
type signedCase struct {
	name   string
	qname  string
	qtype  uint16
	do     bool
	rcode  int
	tc     bool
	answer []string
	ns     []string
	extra  []string // not counting OPT; nil: not compared
}

var signedCases = []signedCase{
	{name: "NSEC beside a CNAME is answered, not followed", qname: "c2w.ne.", qtype: dns.TypeNSEC, do: true,
		answer: []string{"c2w.ne. NSEC c2wnx.ne.", "c2w.ne. RRSIG NSEC"}},
	{name: "RRSIG beside a CNAME is answered, not followed", qname: "c2w.ne.", qtype: dns.TypeRRSIG,
		answer: []string{"c2w.ne. RRSIG CNAME"}},
	{name: "RRSIG: the signatures of the lowest type only, no partial TC answer", qname: "ne.", qtype: dns.TypeRRSIG,
		answer: []string{"ne. RRSIG NS"}},
	{name: "RRSIG from a wildcard CNAME, with the wildcard proof", qname: "rzvul72c.wc.ne.", qtype: dns.TypeRRSIG, do: true,
		answer: []string{"rzvul72c.wc.ne. RRSIG CNAME"},
		ns:     []string{"*.wc.ne. NSEC *.wc2.ne.", "*.wc.ne. RRSIG NSEC"}},
	{name: "NSEC from a wildcard CNAME is synthesised, not followed", qname: "x.wc.ne.", qtype: dns.TypeNSEC,
		answer: []string{"x.wc.ne. NSEC *.wc2.ne."}},
	{name: "qtype CNAME below a DNAME: the synthesised CNAME ends the answer", qname: "x.dn1.ne.", qtype: dns.TypeCNAME,
		answer: []string{"dn1.ne. DNAME dn2.ne.", "x.dn1.ne. CNAME x.dn2.ne."}},
	{name: "DNAME onto a name below itself: no second substitution", qname: "x.dnself.ne.", qtype: dns.TypeA,
		answer: []string{"dnself.ne. DNAME sub.dnself.ne.", "x.dnself.ne. CNAME x.sub.dnself.ne."}},
	{name: "DNAME chain still followed", qname: "host.dn1.ne.", qtype: dns.TypeA,
		answer: []string{"dn1.ne. DNAME dn2.ne.", "host.dn1.ne. CNAME host.dn2.ne.",
			"dn2.ne. DNAME dnt.ne.", "host.dn2.ne. CNAME host.dnt.ne.", "host.dnt.ne. A"}},
	{name: "a long CNAME chain stops after five CNAMEs", qname: "l1.ne.", qtype: dns.TypeA,
		answer: []string{"l1.ne. CNAME l2.ne.", "l2.ne. CNAME l3.ne.", "l3.ne. CNAME l4.ne.", "l4.ne. CNAME l5.ne.", "l5.ne. CNAME l6.ne."}},
	{name: "five CNAMEs and then the data", qname: "l7.ne.", qtype: dns.TypeA,
		answer: []string{"l7.ne. CNAME l8.ne.", "l8.ne. CNAME l9.ne.", "l9.ne. CNAME l10.ne.", "l10.ne. CNAME l11.ne.",
			"l11.ne. CNAME www.ne.", "www.ne. A"}},
	{name: "referral glue synthesised from a wildcard, as Knot and NSD", qname: "x.nsw.ne.", qtype: dns.TypeA, do: true,
		ns:    []string{"nsw.ne. NS", "nsw.ne. NSEC srvw.ne.", "nsw.ne. RRSIG NSEC"},
		extra: []string{"foo.w.ne. A", "foo.w.ne. RRSIG A"}},
	{name: "NS answer: addresses of a name server synthesised from the apex wildcard", qname: "aw.", qtype: dns.TypeNS,
		answer: []string{"aw. NS", "aw. NS", "aw. NS"}, extra: []string{"ns1.aw. A", "nsx.aw. A"}},
	{name: "no glue from a wildcard for an MX target", qname: "mxw.ne.", qtype: dns.TypeMX,
		answer: []string{"mxw.ne. MX"}, extra: []string{}},
	{name: "NXDOMAIN below an opt-out empty non-terminal: proof from the apex", qname: "r1tfajpog7.ent2.n3o.", qtype: dns.TypeA, do: true,
		rcode: dns.RcodeNameError,
		ns: []string{"n3o. SOA", "n3o. RRSIG SOA",
			"nsec3(n3o.) NSEC3", "nsec3(n3o.) RRSIG NSEC3",
			"nsec3(ent2.n3o.) NSEC3", "nsec3(ent2.n3o.) RRSIG NSEC3",
			"nsec3(*.n3o.) NSEC3", "nsec3(*.n3o.) RRSIG NSEC3"}},
	{name: "NXDOMAIN below a signed name keeps its closest encloser", qname: "x.www.n3o.", qtype: dns.TypeA, do: true,
		rcode: dns.RcodeNameError,
		ns: []string{"n3o. SOA", "n3o. RRSIG SOA",
			"nsec3(www.n3o.) NSEC3", "nsec3(www.n3o.) RRSIG NSEC3",
			"nsec3(x.www.n3o.) NSEC3", "nsec3(x.www.n3o.) RRSIG NSEC3",
			"nsec3(*.www.n3o.) NSEC3", "nsec3(*.www.n3o.) RRSIG NSEC3"}},
}

func TestSignedAnswers(t *testing.T) {
	s := New(Config{Logger: slog.New(slog.DiscardHandler)})
	var nsec3 []*dns.NSEC3
	for origin, file := range map[string]string{
		"ne.": "testdata/ne.signed.zone", "n3o.": "testdata/n3o.signed.zone", "aw.": "testdata/aw.signed.zone"} {
		z, err := zone.Load(origin, file)
		if err != nil {
			t.Fatal(err)
		}
		s.Publish(z)
		for _, rr := range z.Records() {
			if n, ok := rr.(*dns.NSEC3); ok {
				nsec3 = append(nsec3, n)
			}
		}
	}
	h := newHandler(s)
	for _, tc := range signedCases {
		t.Run(tc.name, func(t *testing.T) {
			req := new(dns.Msg)
			req.SetQuestion(tc.qname, tc.qtype)
			req.SetEdns0(1232, tc.do)
			resp := exchangeHandler(t, h, req, true)
			if resp.Rcode != tc.rcode || resp.Truncated != tc.tc {
				t.Errorf("rcode %s TC=%v, want %s TC=%v", dns.RcodeToString[resp.Rcode], resp.Truncated,
					dns.RcodeToString[tc.rcode], tc.tc)
			}
			compareShort(t, "answer", resp.Answer, expandNSEC3(t, nsec3, tc.answer))
			compareShort(t, "authority", resp.Ns, expandNSEC3(t, nsec3, tc.ns))
			if tc.extra != nil {
				var extra []dns.RR
				for _, rr := range resp.Extra {
					if rr.Header().Rrtype != dns.TypeOPT {
						extra = append(extra, rr)
					}
				}
				compareShort(t, "additional", extra, tc.extra)
			}
		})
	}
}

// shortRR is the compact form signedCase compares.
func shortRR(rr dns.RR) string {
	h := rr.Header()
	owner := strings.ToLower(h.Name)
	switch v := rr.(type) {
	case *dns.RRSIG:
		return fmt.Sprintf("%s RRSIG %s", owner, dns.TypeToString[v.TypeCovered])
	case *dns.CNAME:
		return fmt.Sprintf("%s CNAME %s", owner, strings.ToLower(v.Target))
	case *dns.DNAME:
		return fmt.Sprintf("%s DNAME %s", owner, strings.ToLower(v.Target))
	case *dns.NSEC:
		return fmt.Sprintf("%s NSEC %s", owner, strings.ToLower(v.NextDomain))
	}
	return owner + " " + dns.TypeToString[h.Rrtype]
}

// expandNSEC3 replaces "nsec3(NAME)" by the owner of the NSEC3 record that
// matches NAME, or else covers it.
func expandNSEC3(t *testing.T, chain []*dns.NSEC3, want []string) []string {
	t.Helper()
	out := make([]string, len(want))
	for i, w := range want {
		out[i] = w
		open, rest, ok := strings.Cut(w, "nsec3(")
		if !ok {
			continue
		}
		name, rest, _ := strings.Cut(rest, ")")
		owner := ""
		for _, n := range chain {
			if dns.IsSubDomain(dns.Fqdn(strings.SplitN(n.Hdr.Name, ".", 2)[1]), name) && n.Match(name) {
				owner = n.Hdr.Name
			}
		}
		for _, n := range chain {
			if owner == "" && dns.IsSubDomain(dns.Fqdn(strings.SplitN(n.Hdr.Name, ".", 2)[1]), name) && n.Cover(name) {
				owner = n.Hdr.Name
			}
		}
		if owner == "" {
			t.Fatalf("no NSEC3 matches or covers %s", name)
		}
		out[i] = open + strings.ToLower(owner) + rest
	}
	return out
}

func compareShort(t *testing.T, section string, got []dns.RR, want []string) {
	t.Helper()
	var g []string
	for _, rr := range got {
		g = append(g, shortRR(rr))
	}
	slices.Sort(g)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s section:\n got:\n  %s\n want:\n  %s", section, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}
