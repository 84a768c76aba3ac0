package announce

import (
	"fmt"
	"strconv"
	"strings"
)

// wellKnownCommunities maps RFC 1997/7999/8326 names to their values.
var wellKnownCommunities = map[string]uint32{
	"no-export":           0xFFFFFF01,
	"no-advertise":        0xFFFFFF02,
	"no-export-subconfed": 0xFFFFFF03,
	"blackhole":           0xFFFF029A,
	"graceful-shutdown":   0xFFFF0000,
}

// parseCommunities turns "no-export" or "64500:100" into 32-bit values.
func parseCommunities(list []string) ([]uint32, error) {
	out := make([]uint32, 0, len(list))
	for _, s := range list {
		v, err := parseCommunity(s)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func parseCommunity(s string) (uint32, error) {
	if v, ok := wellKnownCommunities[strings.ToLower(s)]; ok {
		return v, nil
	}
	hi, lo, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("announce: community %q: want ASN:VALUE or a well-known name", s)
	}
	h, err1 := strconv.ParseUint(hi, 10, 16)
	l, err2 := strconv.ParseUint(lo, 10, 16)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("announce: community %q: both halves must be 0..65535", s)
	}
	return uint32(h)<<16 | uint32(l), nil
}

// largeCommunity is one RFC 8092 large community.
type largeCommunity struct{ ASN, Data1, Data2 uint32 }

// parseLargeCommunities turns "64500:1:53" into large communities.
func parseLargeCommunities(list []string) ([]largeCommunity, error) {
	out := make([]largeCommunity, 0, len(list))
	for _, s := range list {
		parts := strings.Split(s, ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("announce: large community %q: want ASN:DATA1:DATA2", s)
		}
		var v [3]uint32
		for i, part := range parts {
			n, err := strconv.ParseUint(part, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("announce: large community %q: each part must be 0..4294967295", s)
			}
			v[i] = uint32(n)
		}
		out = append(out, largeCommunity{v[0], v[1], v[2]})
	}
	return out, nil
}
