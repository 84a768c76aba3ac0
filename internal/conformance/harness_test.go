package conformance

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// These tests check the harness itself, without servers: a comparator that
// cannot see a difference would make the suite pass whatever anycloud does.

func TestParseQueryLineVariants(t *testing.T) {
	tests := []struct {
		line string
		want []string // variant keys
	}{
		{"www.sv. A", []string{
			"www.sv. A udp noedns", "www.sv. A udp edns", "www.sv. A udp do",
			"www.sv. A tcp noedns", "www.sv. A tcp edns", "www.sv. A tcp do"}},
		{"www.sv. A tcp", []string{"www.sv. A tcp noedns", "www.sv. A tcp edns", "www.sv. A tcp do"}},
		{"big.sv. TXT udp bufsize=512", []string{"big.sv. TXT udp edns bufsize=512"}},
		{"x.sv. A udp bufsize=512 do", []string{"x.sv. A udp do bufsize=512"}},
		{"id.server. TXT class=CH udp noedns", []string{"id.server. TXT udp noedns class=CH"}},
		{"sv. SOA opcode=UPDATE udp edns rd cd", []string{"sv. SOA udp edns opcode=UPDATE rd cd"}},
		{"sv. IXFR tcp noedns ixfr=5 anycloud=REFUSED", []string{"sv. IXFR tcp noedns ixfr=5 anycloud=REFUSED"}},
		{"www.sv. TYPE65000 udp nsid opt=65001", []string{"www.sv. TYPE65000 udp edns nsid opt=65001"}},
	}
	for _, tc := range tests {
		specs, err := parseQueryLine(tc.line)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		var got []string
		for _, s := range specs {
			got = append(got, s.Key())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: variants\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
}

func TestParseQueryLineRejectsNonsense(t *testing.T) {
	for _, line := range []string{"www.sv.", "www.sv. NOTATYPE", "www.sv. A bogus", "www.sv. A noedns nsid", "www.sv. A class=XX"} {
		if _, err := parseQueryLine(line); err == nil {
			t.Errorf("%q parsed; want an error", line)
		}
	}
}

func TestQueriesFileParses(t *testing.T) {
	specs := mustLoadQueries(t)
	if len(specs) < 500 {
		t.Errorf("%d query variants; the table should expand to several hundred", len(specs))
	}
}

func answerWith(rrs ...string) response {
	m := new(dns.Msg)
	m.SetQuestion("www.sv.", dns.TypeA)
	m.Response, m.Authoritative = true, true
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	return response{Msg: m, Size: 100}
}

func TestCanonicalComparison(t *testing.T) {
	base := answerWith("www.sv. 3600 IN A 192.0.2.1", "www.sv. 3600 IN A 192.0.2.2")
	tests := []struct {
		name  string
		other func() response
		same  bool
	}{
		{"identical", func() response { return answerWith("www.sv. 3600 IN A 192.0.2.1", "www.sv. 3600 IN A 192.0.2.2") }, true},
		{"order ignored", func() response { return answerWith("www.sv. 3600 IN A 192.0.2.2", "www.sv. 3600 IN A 192.0.2.1") }, true},
		{"owner case ignored", func() response { return answerWith("WWW.Sv. 3600 IN A 192.0.2.1", "www.SV. 3600 IN A 192.0.2.2") }, true},
		{"TTL compared", func() response { return answerWith("www.sv. 300 IN A 192.0.2.1", "www.sv. 3600 IN A 192.0.2.2") }, false},
		{"missing record", func() response { return answerWith("www.sv. 3600 IN A 192.0.2.1") }, false},
		{"section compared", func() response {
			r := answerWith("www.sv. 3600 IN A 192.0.2.1")
			r.Msg.Ns = append(r.Msg.Ns, base.Msg.Answer[1])
			return r
		}, false},
		{"AA compared", func() response {
			r := answerWith(base.Msg.Answer[0].String(), base.Msg.Answer[1].String())
			r.Msg.Authoritative = false
			return r
		}, false},
		{"CD compared", func() response {
			r := answerWith(base.Msg.Answer[0].String(), base.Msg.Answer[1].String())
			r.Msg.CheckingDisabled = true
			return r
		}, false},
		{"question case compared", func() response {
			r := answerWith(base.Msg.Answer[0].String(), base.Msg.Answer[1].String())
			r.Msg.Question[0].Name = "WWW.sv."
			return r
		}, false},
		{"rcode compared", func() response {
			r := answerWith(base.Msg.Answer[0].String(), base.Msg.Answer[1].String())
			r.Msg.Rcode = dns.RcodeRefused
			return r
		}, false},
		{"EDNS presence compared", func() response {
			r := answerWith(base.Msg.Answer[0].String(), base.Msg.Answer[1].String())
			r.Msg.SetEdns0(1232, false)
			return r
		}, false},
		{"no response compared", func() response { return response{Err: errTimeout} }, false},
	}
	for _, tc := range tests {
		if got := sameAnswer(base, tc.other()); got != tc.same {
			t.Errorf("%s: sameAnswer = %v, want %v\n%s", tc.name, got, tc.same, lineDiff("base", base, "other", tc.other()))
		}
	}
}

func TestCanonicalIgnoresEDNSBufferSizeButNotDO(t *testing.T) {
	a, b, c := answerWith(), answerWith(), answerWith()
	a.Msg.SetEdns0(1232, true)
	b.Msg.SetEdns0(4096, true)
	c.Msg.SetEdns0(1232, false)
	if !sameAnswer(a, b) {
		t.Error("buffer sizes 1232 and 4096 compared as different")
	}
	if sameAnswer(a, c) {
		t.Error("DO set and DO clear compared as equal")
	}
}

func TestVerdictRule(t *testing.T) {
	x := answerWith("www.sv. 3600 IN A 192.0.2.1")
	y := answerWith("www.sv. 3600 IN A 192.0.2.2")
	z := answerWith("www.sv. 3600 IN A 192.0.2.3")
	tests := []struct {
		name                string
		anycloud, knot, nsd response
		ok                  bool
	}{
		{"equals knot", x, x, x, true},
		{"equals knot, nsd differs", x, x, y, true},
		{"equals nsd where knot differs", y, x, y, true},
		{"differs from both", z, x, y, false},
		{"differs from knot where knot and nsd agree", y, x, x, false},
	}
	for _, tc := range tests {
		if got := verdict(tc.anycloud, tc.knot, tc.nsd); got != tc.ok {
			t.Errorf("%s: verdict = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestUDPSizeLimit(t *testing.T) {
	tests := []struct {
		q    querySpec
		size int
		bad  bool
	}{
		{querySpec{Name: "a.", Qtype: dns.TypeA, AnycloudRcode: -1}, 512, false},
		{querySpec{Name: "a.", Qtype: dns.TypeA, AnycloudRcode: -1}, 513, true},
		{querySpec{Name: "a.", Qtype: dns.TypeA, EDNS: true, BufSize: 1232, AnycloudRcode: -1}, 1232, false},
		{querySpec{Name: "a.", Qtype: dns.TypeA, EDNS: true, BufSize: 1232, AnycloudRcode: -1}, 1233, true},
		{querySpec{Name: "a.", Qtype: dns.TypeA, EDNS: true, BufSize: 100, AnycloudRcode: -1}, 512, false},
		{querySpec{Name: "a.", Qtype: dns.TypeA, TCP: true, AnycloudRcode: -1}, 4000, false},
	}
	for _, tc := range tests {
		got := udpSizeProblem(tc.q, response{Msg: new(dns.Msg), Size: tc.size}) != ""
		if got != tc.bad {
			t.Errorf("%s with %d octets: problem = %v, want %v", tc.q.Key(), tc.size, got, tc.bad)
		}
	}
}

// TestEdgeNamesDerived checks the generator's reading of edge.zone: the
// empty non-terminals and cuts it derives are the ones the zone has, so the
// random names really land below them.
func TestEdgeNamesDerived(t *testing.T) {
	e, err := loadEdgeNames(edgeSources[0].file)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range []string{"b.ent", "ent", "w", "b.w", "e1.e2", "e2", "ent1", "ent2", "dnt", "wc", "deep.a.b.c", "c"} {
		if !slices.Contains(e.ents, ent) {
			t.Errorf("empty non-terminal %q not derived (got %q)", ent, e.ents)
		}
	}
	for _, owner := range []string{"", "www", "*.w", "sub.*.w", "x.w"} {
		if slices.Contains(e.ents, owner) || !slices.Contains(e.owners, owner) {
			t.Errorf("%q: want an owner, not an empty non-terminal", owner)
		}
	}
	for _, cut := range []string{"deleg", "ins1", "ins4", "cut.ent1", "ins.ent2", "cut.wd"} {
		if !slices.Contains(e.cuts, cut) {
			t.Errorf("cut %q not derived (got %q)", cut, e.cuts)
		}
	}
	if slices.Contains(e.cuts, "") {
		t.Error("the apex NS taken for a cut")
	}
	specs, err := loadEdgeQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) < 20000 {
		t.Errorf("%d generated variants; the generator should produce over 20000", len(specs))
	}
}
