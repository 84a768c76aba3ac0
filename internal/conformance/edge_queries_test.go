package conformance

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The signed edge-case zones (testdata/zones/edge.zone signed three ways,
// apexwild.zone two ways) are probed with a generated query list rather than a hand-written one:
// every owner name and empty non-terminal times every type below, plus
// names that do not exist below each of them (which land on wildcards,
// under cuts, under DNAMEs, or in NXDOMAIN and its proofs). The random
// labels come from a fixed seed, so a failure names a query that fails
// again on the next run.

// edgeSource is one zone source and the origins it is signed as.
type edgeSource struct {
	file    string
	origins []string
	// metaNames are the names (relative to the origin) that get the meta
	// types and the odd header bits and EDNS fields.
	metaNames []string
}

// edgeNSEC3 gives the NSEC3 parameters (salt, iterations) of the origins
// signed with NSEC3 (see sign.sh): their hashed owner names are asked too.
var edgeNSEC3 = map[string]struct {
	salt       string
	iterations uint16
}{"n3.": {"", 0}, "n3o.": {"", 0}, "n3s.": {"AABBCCDD", 5}, "aw3.": {"", 0}}

// edgeHashedTypes are asked of the NSEC3 owner names, which hold nothing
// but the NSEC3 record and its signature.
var edgeHashedTypes = []string{"NSEC3", "A", "RRSIG", "ANY", "NSEC", "DS"}

var edgeSources = []edgeSource{
	{"testdata/zones/edge.zone", []string{"ne.", "n3.", "n3o.", "n3s."}, // NSEC, NSEC3, NSEC3 opt-out, NSEC3 salted
		[]string{"", "www", "x.w", "c2w", "dn1", "deleg", "ins1", "b.ent"}},
	{"testdata/zones/apexwild.zone", []string{"aw.", "aw3."}, // NSEC, NSEC3 opt-out
		[]string{"", "nothere", "c", "ent"}},
}

// edgeTypes is asked of every existing name: the data types the zone has,
// one it never has (SRV), the DNSSEC types, and the meta types.
var edgeTypes = []string{
	"A", "AAAA", "TXT", "MX", "NS", "SOA", "CNAME", "DNAME", "SRV",
	"DS", "DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "ANY",
}

// edgeTypesMissing is asked of the names that do not exist.
var edgeTypesMissing = []string{"A", "TXT", "AAAA", "DS", "NSEC", "NSEC3", "RRSIG", "ANY", "CNAME"}

// edgeMetaTypes go over UDP to the apex and one name of each kind: the
// types that are not data (RFC 6895 section 3.1) and the transfers, which
// anycloud must refuse whatever the peers do.
var edgeMetaLines = []string{
	"%s OPT udp noedns", "%s OPT udp do", "%s TKEY udp noedns", "%s TSIG udp noedns",
	"%s MAILA udp noedns", "%s MAILB udp do", "%s TYPE0 udp do", "%s TYPE65535 udp do",
	"%s AXFR udp noedns anycloud=REFUSED", "%s IXFR udp noedns ixfr=1 anycloud=REFUSED",
	"%s AXFR tcp do anycloud=REFUSED",
	// Header bits and EDNS oddities on a signed zone.
	"%s A udp do cd", "%s A udp do rd cd", "%s A udp edns cd", "%s A udp do ednsver=1",
	"%s A udp do opt=65001", "%s DS udp do opt=65001 nsid", "%s A udp do class=CH", "%s A udp do class=HS", "%s A udp noedns class=NONE",
	"%s A udp do ad", "%s A udp noedns ad cd", "%s DS udp do ad rd",
	"%s A udp do class=ANY", "%s SOA udp do opcode=STATUS", "%s SOA udp do opcode=NOTIFY", "%s SOA udp noedns opcode=NOTIFY",
	"%s A udp noedns questions=0", "%s A udp noedns questions=2", "%s A udp twoopt",
}

// edgeVariants are the transports and EDNS modes every generated query
// runs in: over UDP without EDNS (no DNSSEC records, truncation at 512
// octets), and over TCP with DO (the whole signed answer: over UDP a long
// chain with its proofs is truncated, and which records of a truncated
// answer fit depends on each server's record order, not on correctness).
var edgeVariants = []string{"udp noedns", "tcp do"}

// edgeNames is the shape of edge.zone, relative to its origin.
type edgeNames struct {
	owners []string // every owner name, "" for the apex
	ents   []string // empty non-terminals
	cuts   []string // delegation points
}

// loadEdgeNames reads edge.zone's owners and derives its empty
// non-terminals and cuts.
func loadEdgeNames(file string) (edgeNames, error) {
	f, err := os.Open(file)
	if err != nil {
		return edgeNames{}, err
	}
	defer f.Close()
	const origin = "edge.invalid."
	zp := dns.NewZoneParser(f, origin, file)
	exists := map[string]bool{}
	var e edgeNames
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(rr.Header().Name), origin), ".")
		if !exists[name] {
			exists[name] = true
			e.owners = append(e.owners, name)
		}
		if rr.Header().Rrtype == dns.TypeNS && name != "" && !slices.Contains(e.cuts, name) {
			e.cuts = append(e.cuts, name)
		}
	}
	if err := zp.Err(); err != nil {
		return edgeNames{}, err
	}
	for _, name := range e.owners {
		labels := dns.SplitDomainName(name)
		for i := 1; i < len(labels); i++ {
			parent := strings.Join(labels[i:], ".")
			if !exists[parent] {
				exists[parent] = true
				e.ents = append(e.ents, parent)
			}
		}
	}
	return e, nil
}

// edgeQueryLines generates the query lines for one origin, each with its
// category for the summary.
func edgeQueryLines(e edgeNames, origin string, metaNames []string, rng *rand.Rand) (lines, categories []string) {
	add := func(category, name, rest string) {
		for _, v := range edgeVariants {
			lines = append(lines, fmt.Sprintf("%s %s %s", name, rest, v))
			categories = append(categories, category)
		}
	}
	abs := func(rel string) string {
		if rel == "" {
			return origin
		}
		return rel + "." + origin
	}
	for _, rel := range append(slices.Clone(e.owners), e.ents...) {
		category := edgeCategory(e, rel)
		for _, qtype := range edgeTypes {
			add(category, abs(rel), qtype)
		}
		// Names that do not exist: one and two labels below every name.
		below := randomLabel(rng) + "." + rel
		deeper := randomLabel(rng) + "." + randomLabel(rng) + "." + rel
		for _, name := range []string{below, deeper} {
			name = strings.TrimSuffix(name, ".")
			for _, qtype := range edgeTypesMissing {
				add("missing below "+category, abs(name), qtype)
			}
		}
	}
	if p, ok := edgeNSEC3[origin]; ok {
		for _, rel := range []string{"", "www", "deleg", "ins1"} {
			hashed := strings.ToLower(dns.HashName(abs(rel), dns.SHA1, p.iterations, p.salt)) + "." + origin
			for _, qtype := range edgeHashedTypes {
				add("NSEC3 owner", hashed, qtype)
			}
			for _, qtype := range []string{"A", "NSEC3"} {
				add("missing below NSEC3 owner", "x."+hashed, qtype)
			}
		}
	}
	for _, rel := range metaNames {
		for _, format := range edgeMetaLines {
			lines = append(lines, fmt.Sprintf(format, abs(rel)))
			categories = append(categories, "meta/flags at "+edgeCategory(e, rel))
		}
	}
	return lines, categories
}

// edgeCategory names what kind of name rel is, for the summary.
func edgeCategory(e edgeNames, rel string) string {
	labels := dns.SplitDomainName(rel)
	switch {
	case rel == "":
		return "apex"
	case slices.Contains(e.ents, rel):
		return "empty non-terminal"
	case labels[0] == "*":
		return "wildcard owner"
	case slices.Contains(labels, "*"):
		return "literal * label"
	case slices.Contains(e.cuts, rel):
		return "delegation"
	}
	for _, cut := range e.cuts {
		if strings.HasSuffix(rel, "."+cut) {
			return "below a delegation"
		}
	}
	switch {
	case strings.HasPrefix(rel, "dn"):
		return "DNAME"
	case strings.HasPrefix(rel, "c"):
		return "CNAME"
	}
	return "exact"
}

func randomLabel(rng *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 4+rng.IntN(6))
	for i := range b {
		b[i] = letters[rng.IntN(len(letters))]
	}
	return "r" + string(b)
}

// edgeSpec is one generated query variant and its summary category.
type edgeSpec struct {
	querySpec
	category string
}

// loadEdgeQueries expands the generated lines of every origin.
func loadEdgeQueries() ([]edgeSpec, error) {
	rng := rand.New(rand.NewPCG(14, 2)) // fixed: failures must repeat
	var out []edgeSpec
	for _, src := range edgeSources {
		e, err := loadEdgeNames(src.file)
		if err != nil {
			return nil, err
		}
		for _, origin := range src.origins {
			lines, categories := edgeQueryLines(e, origin, src.metaNames, rng)
			for i, line := range lines {
				variants, err := parseQueryLine(line)
				if err != nil {
					return nil, fmt.Errorf("generated %q: %w", line, err)
				}
				for _, v := range variants { // Line stays 0: not from queries.txt
					out = append(out, edgeSpec{v, origin + " " + categories[i]})
				}
			}
		}
	}
	return out, nil
}
