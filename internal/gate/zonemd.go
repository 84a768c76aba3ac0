package gate

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// ZONEMD schemes and hash algorithms (RFC 8976 section 5).
const (
	schemeSimple = 1
	hashSHA384   = 1
	hashSHA512   = 2
)

// checkZONEMD verifies the zone digest when the apex carries ZONEMD records
// with a supported scheme and algorithm; one verifying record is enough
// (RFC 8976 section 4). Unsupported ones alone leave the zone unverified,
// which is not a failure.
func checkZONEMD(_, cand *zonever.Version, _ Policy) *Rejection {
	var supported []*dns.ZONEMD
	for _, rr := range cand.ApexCandidates(dns.TypeZONEMD) {
		if z, ok := rr.(*dns.ZONEMD); ok && strings.EqualFold(z.Hdr.Name, cand.Origin) &&
			z.Scheme == schemeSimple && (z.Hash == hashSHA384 || z.Hash == hashSHA512) {
			supported = append(supported, z)
		}
	}
	if len(supported) == 0 {
		return nil
	}
	var reasons []string
	for _, z := range supported {
		reason := verifyOne(cand, z)
		if reason == "" {
			return nil
		}
		reasons = append(reasons, reason)
	}
	return reject("zonemd", "%s", strings.Join(reasons, "; "))
}

func verifyOne(v *zonever.Version, z *dns.ZONEMD) string {
	if z.Serial != v.Serial() {
		return "ZONEMD serial " + uitoa(z.Serial) + " differs from the SOA serial " + uitoa(v.Serial())
	}
	got := hex.EncodeToString(Digest(v, z.Hash))
	if !strings.EqualFold(got, z.Digest) {
		return "ZONEMD digest (hash " + uitoa(uint32(z.Hash)) + ") does not match the zone content: computed " + got[:16] + "..., published " + strings.ToLower(z.Digest[:min(16, len(z.Digest))]) + "..."
	}
	return ""
}

func uitoa(u uint32) string { return strconv.FormatUint(uint64(u), 10) }

// Digest computes the RFC 8976 simple-scheme digest of v with the given hash
// algorithm: every record except the apex ZONEMD set and its signatures, in
// canonical form and order, duplicates removed.
func Digest(v *zonever.Version, alg uint8) []byte {
	recs := make([]canonicalRR, 0, v.Len())
	v.Each(func(rr dns.RR) error {
		if excludedFromDigest(v.Origin, rr) {
			return nil
		}
		if c, ok := canonical(rr); ok {
			recs = append(recs, c)
		}
		return nil
	})
	sort.Slice(recs, func(i, j int) bool { return recs[i].less(recs[j]) })
	var h hash.Hash = sha512.New384()
	if alg == hashSHA512 {
		h = sha512.New()
	}
	var prev []byte
	for _, r := range recs {
		if !bytes.Equal(r.wire, prev) {
			h.Write(r.wire)
		}
		prev = r.wire
	}
	return h.Sum(nil)
}

func excludedFromDigest(origin string, rr dns.RR) bool {
	h := rr.Header()
	if !strings.EqualFold(h.Name, origin) {
		return false
	}
	if h.Rrtype == dns.TypeZONEMD {
		return true
	}
	sig, ok := rr.(*dns.RRSIG)
	return ok && sig.TypeCovered == dns.TypeZONEMD
}
