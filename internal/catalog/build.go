package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// Catalog zone timers: the SOA values only matter to catalog consumers
// such as Knot; the zone itself is never queried by resolvers.
const (
	catalogTTL     = 0
	catalogRefresh = 60
	catalogRetry   = 30
	catalogExpire  = 2419200
)

// MemberLabel is the stable label for zone: a hash of its canonical name, so
// the same zone always gets the same label and a re-added zone keeps it.
func MemberLabel(zone string) string {
	sum := sha256.Sum256([]byte(dns.CanonicalName(zone)))
	return hex.EncodeToString(sum[:10])
}

// Build returns the catalog zone named origin listing members, with serial.
func Build(origin string, serial uint32, members []string) (*zonever.Version, error) {
	origin = dns.CanonicalName(origin)
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: catalogTTL}
	}
	rrs := []dns.RR{
		&dns.SOA{Hdr: hdr(origin, dns.TypeSOA), Ns: "invalid.", Mbox: "invalid.", Serial: serial,
			Refresh: catalogRefresh, Retry: catalogRetry, Expire: catalogExpire, Minttl: 0},
		&dns.NS{Hdr: hdr(origin, dns.TypeNS), Ns: "invalid."},
		&dns.TXT{Hdr: hdr("version."+origin, dns.TypeTXT), Txt: []string{"2"}},
	}
	for _, m := range sortedUnique(members) {
		rrs = append(rrs, &dns.PTR{Hdr: hdr(MemberLabel(m)+".zones."+origin, dns.TypePTR), Ptr: m})
	}
	return zonever.New(origin, rrs)
}

func sortedUnique(zones []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, z := range zones {
		z = dns.CanonicalName(z)
		if !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	sort.Strings(out)
	return out
}

// SameMembers reports whether the catalog v lists exactly members.
func SameMembers(v *zonever.Version, members []string) bool {
	got, err := Parse(v)
	if err != nil {
		return false
	}
	want := sortedUnique(members)
	if len(got) != len(want) {
		return false
	}
	for i, m := range want {
		if got[i].Zone != m {
			return false
		}
	}
	return true
}
