package gate

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/miekg/dns"
)

// canonicalRR is one record in RFC 4034 section 6.2 canonical wire form,
// with the parts canonical ordering (section 6.1, 6.3) looks at.
type canonicalRR struct {
	wire   []byte
	labels [][]byte // owner labels, lower case, rightmost first
	rrtype uint16
	rdata  []byte
}

// canonical packs rr with its owner and the domain names of the RR types
// listed in RFC 4034 section 6.2 (as amended by RFC 6840 section 5.1, which
// keeps NSEC's next name as is) in lower case, without compression.
func canonical(rr dns.RR) (canonicalRR, bool) {
	c := dns.Copy(rr)
	h := c.Header()
	h.Name = strings.ToLower(h.Name)
	lowerRdataNames(c)
	buf := make([]byte, dns.Len(c)+64)
	n, err := dns.PackRR(c, buf, 0, nil, false)
	if err != nil {
		return canonicalRR{}, false
	}
	wire := buf[:n]
	ownerEnd := ownerLength(wire)
	if ownerEnd < 0 || ownerEnd+10 > n {
		return canonicalRR{}, false
	}
	return canonicalRR{
		wire:   wire,
		labels: reversedLabels(wire[:ownerEnd]),
		rrtype: binary.BigEndian.Uint16(wire[ownerEnd:]),
		rdata:  wire[ownerEnd+10:],
	}, true
}

func lowerRdataNames(rr dns.RR) {
	l := strings.ToLower
	switch r := rr.(type) {
	case *dns.NS:
		r.Ns = l(r.Ns)
	case *dns.CNAME:
		r.Target = l(r.Target)
	case *dns.SOA:
		r.Ns, r.Mbox = l(r.Ns), l(r.Mbox)
	case *dns.PTR:
		r.Ptr = l(r.Ptr)
	case *dns.MX:
		r.Mx = l(r.Mx)
	case *dns.MINFO:
		r.Rmail, r.Email = l(r.Rmail), l(r.Email)
	case *dns.RP:
		r.Mbox, r.Txt = l(r.Mbox), l(r.Txt)
	case *dns.AFSDB:
		r.Hostname = l(r.Hostname)
	case *dns.RT:
		r.Host = l(r.Host)
	case *dns.RRSIG:
		r.SignerName = l(r.SignerName)
	case *dns.SIG:
		r.SignerName = l(r.SignerName)
	case *dns.PX:
		r.Map822, r.Mapx400 = l(r.Map822), l(r.Mapx400)
	case *dns.NAPTR:
		r.Replacement = l(r.Replacement)
	case *dns.KX:
		r.Exchanger = l(r.Exchanger)
	case *dns.SRV:
		r.Target = l(r.Target)
	case *dns.DNAME:
		r.Target = l(r.Target)
	case *dns.MD:
		r.Md = l(r.Md)
	case *dns.MF:
		r.Mf = l(r.Mf)
	case *dns.MB:
		r.Mb = l(r.Mb)
	case *dns.MG:
		r.Mg = l(r.Mg)
	case *dns.MR:
		r.Mr = l(r.Mr)
	}
}

// ownerLength returns the length of the uncompressed owner name at the
// start of wire, or -1.
func ownerLength(wire []byte) int {
	for i := 0; i < len(wire); {
		n := int(wire[i])
		if n == 0 {
			return i + 1
		}
		if n > 63 {
			return -1
		}
		i += n + 1
	}
	return -1
}

func reversedLabels(owner []byte) [][]byte {
	var labels [][]byte
	for i := 0; owner[i] != 0; i += int(owner[i]) + 1 {
		labels = append(labels, owner[i+1:i+1+int(owner[i])])
	}
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return labels
}

// less orders by owner (canonical order, RFC 4034 6.1), then type, then
// RDATA as octet strings (6.3).
func (a canonicalRR) less(b canonicalRR) bool {
	if c := compareNames(a.labels, b.labels); c != 0 {
		return c < 0
	}
	if a.rrtype != b.rrtype {
		return a.rrtype < b.rrtype
	}
	return bytes.Compare(a.rdata, b.rdata) < 0
}

func compareNames(a, b [][]byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := bytes.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}
