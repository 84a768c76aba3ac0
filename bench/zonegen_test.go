package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const testDNSKEY = "tld. IN DNSKEY 256 3 13 Hv/PdK2/a5HJoEGeujb+agveKrIuqAG4SND+scVUwT610LrFYw690QoG 0FFPipIP4EbnctNHyT7vUjVULIH5Ng=="

// TestZoneShape parses the generated zone with a real master-file parser
// and counts what the issue asks for: 2 NS per delegation, 30 % with DS,
// 10 % with in-bailiwick A+AAAA glue, apex SOA/NS/DNSKEY.
func TestZoneShape(t *testing.T) {
	s := zoneShape{Origin: "tld.", Delegations: 1000, DSPercent: 30, GluePercent: 10}
	var buf bytes.Buffer
	if err := s.writeZone(&buf, []string{testDNSKEY}); err != nil {
		t.Fatal(err)
	}
	counts := map[uint16]int{}
	owners := map[string]bool{}
	zp := dns.NewZoneParser(&buf, "tld.", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		counts[rr.Header().Rrtype]++
		if rr.Header().Rrtype == dns.TypeNS && rr.Header().Name != "tld." {
			owners[rr.Header().Name] = true
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[uint16]int{
		dns.TypeSOA: 1, dns.TypeDNSKEY: 1,
		dns.TypeNS:   2*1000 + 2,
		dns.TypeDS:   300,
		dns.TypeA:    2*100 + 2, // two glue names per glue delegation, plus the apex servers
		dns.TypeAAAA: 2*100 + 2,
	}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%s: %d records, want %d", dns.TypeToString[typ], counts[typ], n)
		}
	}
	if len(owners) != 1000 {
		t.Errorf("%d distinct delegations, want 1000", len(owners))
	}
}

// TestGlueIsInBailiwick checks that glue delegations name servers below
// themselves and the others name servers outside the zone.
func TestGlueIsInBailiwick(t *testing.T) {
	s := zoneShape{Origin: "tld.", Delegations: 100, DSPercent: 30, GluePercent: 10}
	for i := range s.Delegations {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		s.writeDelegation(w, i)
		w.Flush()
		_, glue := s.delegationKind(i)
		inZone := strings.Contains(buf.String(), "NS ns1."+delegationLabel(i)+"\n")
		if glue != inZone {
			t.Fatalf("delegation %d: glue=%v but records:\n%s", i, glue, buf.String())
		}
	}
}

func TestDelegationLabelsUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := range 200000 {
		l := delegationLabel(i)
		if seen[l] {
			t.Fatalf("label %q repeats at %d", l, i)
		}
		seen[l] = true
	}
}

func TestCacheNameFollowsParameters(t *testing.T) {
	base := zoneShape{Origin: "tld.", Delegations: 1000, DSPercent: 30, GluePercent: 10}
	other := base
	other.Delegations = 2000
	if cacheName(base, 10) == cacheName(other, 10) || cacheName(base, 10) == cacheName(base, 20) {
		t.Fatal("cache name must change with every parameter")
	}
}
