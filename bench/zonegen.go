package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
)

// zoneShape fixes what the generated ccTLD-like zone contains. Every
// figure derives from the delegation index, so the same shape always
// yields the same bytes and a cached file can be reused safely.
type zoneShape struct {
	Origin      string // "tld."
	Delegations int
	DSPercent   int // delegations that carry a DS RRset
	GluePercent int // delegations whose NS names are in-bailiwick, with A+AAAA glue
}

// delegationKind tells which optional records delegation i carries. The
// mapping on i%100 spreads DS and glue evenly over the zone instead of
// clustering them at one end of the name space.
func (s zoneShape) delegationKind(i int) (hasDS, hasGlue bool) {
	r := i % 100
	hasGlue = r < s.GluePercent
	// DS buckets start after the glue buckets so the two overlap only when
	// the percentages add up to more than 100.
	hasDS = (r+100-s.GluePercent)%100 < s.DSPercent
	return hasDS, hasGlue
}

// delegationLabel names delegation i. Multiplying by an odd constant is a
// bijection modulo 2^32, so labels are unique yet scattered over the name
// space like real registrations rather than sorted by index.
func delegationLabel(i int) string {
	return strconv.FormatUint(uint64(uint32(i)*2654435761), 36)
}

// nxLabel names a label that never exists in the zone: the hyphen cannot
// appear in a base-36 delegation label.
func nxLabel(n uint64) string {
	return "nx-" + strconv.FormatUint(n, 36)
}

// apexHost is the in-zone name of apex name server k; the hyphen keeps it
// apart from every delegation label.
func (s zoneShape) apexHost(k int) string {
	return fmt.Sprintf("ns%d.nic-servers.%s", k, s.Origin)
}

// writeZone writes the unsigned master file. dnskeys are the apex DNSKEY
// records in presentation format (the same keys that sign the signed
// variant, so both variants answer DNSKEY alike).
func (s zoneShape) writeZone(w io.Writer, dnskeys []string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	s.writeApex(bw, dnskeys)
	for i := 0; i < s.Delegations; i++ {
		s.writeDelegation(bw, i)
	}
	return bw.Flush()
}

func (s zoneShape) writeApex(w *bufio.Writer, dnskeys []string) {
	fmt.Fprintf(w, "$ORIGIN %s\n$TTL 86400\n", s.Origin)
	fmt.Fprintf(w, "@ 3600 IN SOA %s hostmaster.nic-servers.%s 2026010101 1800 900 1209600 3600\n",
		s.apexHost(1), s.Origin)
	for k := 1; k <= 2; k++ {
		fmt.Fprintf(w, "@ 86400 IN NS %s\n", s.apexHost(k))
	}
	for _, key := range dnskeys {
		fmt.Fprintln(w, key)
	}
	for k := 1; k <= 2; k++ {
		fmt.Fprintf(w, "%s 86400 IN A 192.0.2.%d\n", s.apexHost(k), k)
		fmt.Fprintf(w, "%s 86400 IN AAAA 2001:db8::%d\n", s.apexHost(k), k)
	}
}

func (s zoneShape) writeDelegation(w *bufio.Writer, i int) {
	label := delegationLabel(i)
	hasDS, hasGlue := s.delegationKind(i)
	if hasGlue {
		for k := 1; k <= 2; k++ {
			fmt.Fprintf(w, "%s 86400 IN NS ns%d.%s\n", label, k, label)
		}
		for k := 1; k <= 2; k++ {
			writeGlue(w, fmt.Sprintf("ns%d.%s", k, label), i, k)
		}
	} else {
		// Most registrants use a hosting provider's name servers, shared by
		// many delegations and outside the zone.
		host := i % 5000
		for k := 1; k <= 2; k++ {
			fmt.Fprintf(w, "%s 86400 IN NS ns%d.host%d.example.net.\n", label, k, host)
		}
	}
	if hasDS {
		fmt.Fprintf(w, "%s 3600 IN DS %s\n", label, fakeDS(label))
	}
}

// writeGlue writes A and AAAA glue for an in-bailiwick name server; the
// addresses come from the benchmarking (RFC 2544) and documentation
// prefixes and are never contacted.
func writeGlue(w *bufio.Writer, owner string, i, k int) {
	fmt.Fprintf(w, "%s 86400 IN A 198.%d.%d.%d\n", owner, 18+(i>>16)&1, (i>>8)&0xff, i&0xff)
	fmt.Fprintf(w, "%s 86400 IN AAAA 2001:db8:%x:%x::%d\n", owner, (i>>16)&0xffff, i&0xffff, k)
}

// fakeDS returns a well-formed DS RDATA (ECDSAP256SHA256, SHA-256) derived
// from the label. No child key matches it; an authoritative parent only
// stores and serves it.
func fakeDS(label string) string {
	sum := sha256.Sum256([]byte(label))
	tag := binary.BigEndian.Uint16(sum[:2])
	return fmt.Sprintf("%d 13 2 %s", tag, hex.EncodeToString(sum[:]))
}
