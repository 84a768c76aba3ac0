package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

func version(t testing.TB, origin, text string) *zonever.Version {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	v, err := zonever.New(origin, rrs)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rfc8976A1 is the "simple EXAMPLE zone" of RFC 8976 appendix A.1 with its
// published SHA384 digest.
const rfc8976A1 = `example.      86400  IN  SOA     ns1 admin 2018031900 1800 900 604800 86400
              86400  IN  NS      ns1
              86400  IN  NS      ns2
              86400  IN  ZONEMD  2018031900 1 1 ( c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c )
ns1           3600   IN  A       203.0.113.63
ns2           3600   IN  AAAA    2001:db8::63
`

func zoneText(serial string, extra string) string {
	return "example. 3600 IN SOA ns1 admin " + serial + " 1800 900 604800 86400\nexample. 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n" +
		"a 3600 IN A 192.0.2.2\nb 3600 IN A 192.0.2.3\nc 3600 IN A 192.0.2.4\n" + extra
}

func TestCheck(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	sig := func(covered, incep, exp string) string {
		return "example. 3600 IN RRSIG " + covered + " 13 1 3600 " + exp + " " + incep + " 1 example. AAAA\n"
	}
	dnskey := "example. 3600 IN DNSKEY 257 3 13 AAAA\n"
	cur := version(t, "example.", zoneText("10", ""))
	tests := []struct {
		name      string
		current   *zonever.Version
		candidate string
		policy    Policy
		check     string // "" means accepted
	}{
		{"newer serial", cur, zoneText("11", ""), Policy{}, ""},
		{"first version", nil, zoneText("1", ""), Policy{}, ""},
		{"same serial", cur, zoneText("10", ""), Policy{}, "serial"},
		{"older serial", cur, zoneText("9", ""), Policy{}, "serial"},
		{"serial wrapped is newer (RFC 1982)", version(t, "example.", zoneText("4294967295", "")), zoneText("5", ""), Policy{}, ""},
		{"older serial forced", cur, zoneText("9", ""), Policy{AcceptOlder: true}, ""},
		{"same serial on retransfer", cur, zoneText("10", ""), Policy{AcceptSame: true}, ""},
		{"older serial on plain retransfer", cur, zoneText("9", ""), Policy{AcceptSame: true}, "serial"},
		{"no apex NS", cur, "example. 3600 IN SOA ns1 admin 11 1800 900 604800 86400\nns1 3600 IN A 192.0.2.1\nwww.example. 3600 IN NS ns1\na 1 A 1.1.1.1\nb 1 A 1.1.1.1\nc 1 A 1.1.1.1\n", Policy{}, "apex"},
		{"shrunk by half", cur, "example. 3600 IN SOA ns1 admin 11 1800 900 604800 86400\nexample. 3600 IN NS ns1\n", Policy{}, "shrink"},
		{"shrink allowed by policy", cur, "example. 3600 IN SOA ns1 admin 11 1800 900 604800 86400\nexample. 3600 IN NS ns1\n", Policy{MaxShrink: 0.9}, ""},
		{"signed and valid", cur, zoneText("11", dnskey+sig("SOA", "20261001000000", "20261201000000")+sig("DNSKEY", "20261001000000", "20261201000000")), Policy{Now: now}, ""},
		{"SOA signature expired", cur, zoneText("11", dnskey+sig("SOA", "20260901000000", "20261001000000")+sig("DNSKEY", "20261001000000", "20261201000000")), Policy{Now: now}, "dnssec"},
		{"DNSKEY unsigned", cur, zoneText("11", dnskey+sig("SOA", "20261001000000", "20261201000000")), Policy{Now: now}, "dnssec"},
		{"one of two SOA signatures valid", cur, zoneText("11", dnskey+sig("SOA", "20260901000000", "20261001000000")+sig("SOA", "20261001000000", "20261201000000")+sig("DNSKEY", "20261001000000", "20261201000000")), Policy{Now: now}, ""},
		{"ZONEMD of RFC 8976 A.1", nil, rfc8976A1, Policy{}, ""},
		{"ZONEMD tampered", nil, strings.Replace(rfc8976A1, "203.0.113.63", "203.0.113.64", 1), Policy{}, "zonemd"},
		{"ZONEMD serial mismatch", nil, strings.Replace(rfc8976A1, "ZONEMD  2018031900", "ZONEMD  2018031901", 1), Policy{}, "zonemd"},
		{"CNAME and other data", cur, zoneText("11", "a 3600 IN CNAME b\n"), Policy{}, "parse"},
		{"ZONEMD unsupported hash only", nil, strings.Replace(rfc8976A1, "2018031900 1 1 (", "2018031900 1 240 (", 1), Policy{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cand := version(t, "example.", tt.candidate)
			r := Check(tt.current, cand, tt.policy)
			got := ""
			if r != nil {
				got = r.Check
			}
			if got != tt.check {
				t.Fatalf("check = %q (%v), want %q", got, r, tt.check)
			}
		})
	}
}

// Case and duplicates must not change the digest (canonical form and
// duplicate removal, RFC 8976 section 3.3).
func TestDigestCanonical(t *testing.T) {
	a := version(t, "example.", rfc8976A1)
	b := version(t, "example.", strings.Replace(rfc8976A1, "NS      ns1", "NS      NS1", 1)+"ns1 3600 IN A 203.0.113.63\n")
	if string(Digest(a, hashSHA384)) != string(Digest(b, hashSHA384)) {
		t.Fatal("digest depends on case or duplicates")
	}
}
