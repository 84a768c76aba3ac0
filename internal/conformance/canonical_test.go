package conformance

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// canonical renders the parts of a response that must agree, one fact per
// line, so that two responses agree exactly when their canonical lines are
// equal. Compared: opcode, rcode (with the EDNS extended bits), the header
// flags, the question as sent back (case included: 0x20), EDNS presence,
// version, DO and options, and each section as a set of records with owner
// and RDATA names lower-cased and TTLs kept. Not compared: the message ID
// (checked on receipt), the EDNS buffer size, record order within a
// section, and name compression.
func canonical(r response) []string {
	if r.Err != nil && r.Size == 0 {
		return []string{"no response"}
	}
	if r.Err != nil {
		return []string{"unparsable response"}
	}
	m := r.Msg
	lines := []string{
		fmt.Sprintf("opcode %s rcode %s", dns.OpcodeToString[m.Opcode], rcodeName(m.Rcode)),
		"flags" + headerFlags(m),
	}
	for _, q := range m.Question {
		lines = append(lines, "question "+strings.Join(strings.Fields(q.String()), " "))
	}
	lines = append(lines, ednsLine(m))
	lines = append(lines, sectionLines("answer", m.Answer)...)
	lines = append(lines, sectionLines("authority", m.Ns)...)
	return append(lines, sectionLines("additional", withoutOPT(m.Extra))...)
}

func rcodeName(rcode int) string {
	if rcode == dns.RcodeBadVers {
		return "BADVERS" // miekg/dns names 16 after TSIG's BADSIG
	}
	if name, ok := dns.RcodeToString[rcode]; ok {
		return name
	}
	return fmt.Sprintf("RCODE%d", rcode)
}

func headerFlags(m *dns.Msg) string {
	var b strings.Builder
	for _, f := range []struct {
		set  bool
		name string
	}{
		{m.Response, "qr"}, {m.Authoritative, "aa"}, {m.Truncated, "tc"},
		{m.RecursionDesired, "rd"}, {m.RecursionAvailable, "ra"}, {m.Zero, "z"},
		{m.AuthenticatedData, "ad"}, {m.CheckingDisabled, "cd"},
	} {
		if f.set {
			b.WriteString(" " + f.name)
		}
	}
	return b.String()
}

func ednsLine(m *dns.Msg) string {
	opt := m.IsEdns0()
	if opt == nil {
		return "edns none"
	}
	var options []string
	for _, o := range opt.Option {
		options = append(options, ednsOption(o))
	}
	slices.Sort(options)
	return fmt.Sprintf("edns version %d do %v options [%s]", opt.Version(), opt.Do(), strings.Join(options, " "))
}

func ednsOption(o dns.EDNS0) string {
	if n, ok := o.(*dns.EDNS0_NSID); ok {
		payload, err := hex.DecodeString(n.Nsid)
		if err == nil {
			return fmt.Sprintf("nsid=%q", payload)
		}
	}
	return fmt.Sprintf("%d=%s", o.Option(), o.String())
}

func withoutOPT(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeOPT {
			out = append(out, rr)
		}
	}
	return out
}

// sectionLines renders a section as a sorted set of records.
func sectionLines(section string, rrs []dns.RR) []string {
	lines := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		lines = append(lines, section+" "+strings.Join(strings.Fields(lowerNames(rr).String()), " "))
	}
	slices.Sort(lines)
	return lines
}

// lowerNames returns a copy of rr with its owner and the domain names in
// its RDATA lower-cased: servers may echo the query's case (0x20) or the
// zone file's, and both are correct (RFC 4343).
func lowerNames(rr dns.RR) dns.RR {
	rr = dns.Copy(rr)
	rr.Header().Name = strings.ToLower(rr.Header().Name)
	switch v := rr.(type) {
	case *dns.CNAME:
		v.Target = strings.ToLower(v.Target)
	case *dns.DNAME:
		v.Target = strings.ToLower(v.Target)
	case *dns.NS:
		v.Ns = strings.ToLower(v.Ns)
	case *dns.MX:
		v.Mx = strings.ToLower(v.Mx)
	case *dns.SRV:
		v.Target = strings.ToLower(v.Target)
	case *dns.PTR:
		v.Ptr = strings.ToLower(v.Ptr)
	case *dns.SOA:
		v.Ns, v.Mbox = strings.ToLower(v.Ns), strings.ToLower(v.Mbox)
	case *dns.NSEC:
		v.NextDomain = strings.ToLower(v.NextDomain)
	case *dns.RRSIG:
		v.SignerName = strings.ToLower(v.SignerName)
	}
	return rr
}
