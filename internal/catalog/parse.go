package catalog

import (
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// Member is one zone listed in a catalog.
type Member struct {
	Label string // the unique label under zones.
	Zone  string // canonical FQDN of the member zone
}

// Parse returns the members of catalog v, sorted by zone name. It requires
// schema version 2 (RFC 9432 section 4.2.1); a zone listed under two labels
// is taken once, with the label that sorts first.
func Parse(v *zonever.Version) ([]Member, error) {
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	zonesSuffix := ".zones." + v.Origin
	byZone := map[string]Member{}
	// Each, not RRs: a version loaded from disk is held by its snapshot.
	v.Each(func(rr dns.RR) error {
		ptr, ok := rr.(*dns.PTR)
		if !ok {
			return nil
		}
		owner := dns.CanonicalName(ptr.Hdr.Name)
		label, ok := strings.CutSuffix(owner, zonesSuffix)
		if !ok || label == "" || strings.Contains(label, ".") {
			return nil // properties of members (group., coo.) or other data
		}
		m := Member{Label: label, Zone: dns.CanonicalName(ptr.Ptr)}
		if old, dup := byZone[m.Zone]; !dup || m.Label < old.Label {
			byZone[m.Zone] = m
		}
		return nil
	})
	out := make([]Member, 0, len(byZone))
	for _, m := range byZone {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Zone < out[j].Zone })
	return out, nil
}

func checkVersion(v *zonever.Version) error {
	versionName := "version." + v.Origin
	var found []string
	v.Each(func(rr dns.RR) error {
		if txt, ok := rr.(*dns.TXT); ok && dns.CanonicalName(txt.Hdr.Name) == versionName {
			found = append(found, strings.Join(txt.Txt, ""))
		}
		return nil
	})
	if len(found) != 1 || found[0] != "2" {
		return fmt.Errorf("catalog %s: need exactly one version TXT \"2\" (RFC 9432), found %q", v.Origin, found)
	}
	return nil
}
