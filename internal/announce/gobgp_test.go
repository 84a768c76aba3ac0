package announce

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	api "github.com/osrg/gobgp/v4/api"
)

// TestAPIPeer checks what each session asks GoBGP for: a prefix limit on
// every family, and the transit options only when configured.
func TestAPIPeer(t *testing.T) {
	base := Peer{Address: netip.MustParseAddr("192.0.2.2"), AS: 64501, Families: []Family{IPv4, IPv6}}.withDefaults()
	tests := []struct {
		name             string
		modify           func(*Peer)
		password         string
		multihopTTL      uint32 // 0: multihop off
		gtsmMin          uint32 // 0: GTSM off
		maxPrefixesPerAF uint32
	}{
		{"defaults", func(*Peer) {}, "", 0, 0, DefaultMaxPrefixes},
		{"md5", func(p *Peer) { p.Password = "s3cret" }, "s3cret", 0, 0, DefaultMaxPrefixes},
		{"multihop", func(p *Peer) { p.Multihop = 2 }, "", 2, 0, DefaultMaxPrefixes},
		{"gtsm", func(p *Peer) { p.TTLSecurity = true }, "", 0, 255, DefaultMaxPrefixes},
		{"gtsm two hops", func(p *Peer) { p.TTLSecurity, p.Multihop = true, 2 }, "", 0, 254, DefaultMaxPrefixes},
		{"own limit", func(p *Peer) { p.MaxPrefixes = 10 }, "", 0, 0, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.modify(&p)
			got := apiPeer(64500, p)
			if got.GetConf().GetAuthPassword() != tc.password {
				t.Errorf("password %q, want %q", got.GetConf().GetAuthPassword(), tc.password)
			}
			if m := got.GetEbgpMultihop(); m.GetEnabled() != (tc.multihopTTL > 0) || m.GetMultihopTtl() != tc.multihopTTL {
				t.Errorf("multihop %+v, want TTL %d", m, tc.multihopTTL)
			}
			if g := got.GetTtlSecurity(); g.GetEnabled() != (tc.gtsmMin > 0) || g.GetTtlMin() != tc.gtsmMin {
				t.Errorf("GTSM %+v, want min TTL %d", g, tc.gtsmMin)
			}
			if len(got.GetAfiSafis()) != 2 {
				t.Fatalf("families %v", got.GetAfiSafis())
			}
			for _, af := range got.GetAfiSafis() {
				if l := af.GetPrefixLimits(); l.GetMaxPrefixes() != tc.maxPrefixesPerAF || l.GetFamily().GetAfi() != af.GetConfig().GetFamily().GetAfi() {
					t.Errorf("family %v: prefix limit %+v, want %d", af.GetConfig().GetFamily(), l, tc.maxPrefixesPerAF)
				}
			}
		})
	}
}

func TestServicePrefixSets(t *testing.T) {
	sets := servicePrefixSets([]Prefix{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24")},
		{Prefix: netip.MustParsePrefix("2001:db8:53::53/128")},
		{Prefix: netip.MustParsePrefix("198.51.100.53/32")},
	})
	var got []string
	for _, s := range sets {
		for _, p := range s.Prefixes {
			got = append(got, fmt.Sprintf("%s %s %d", s.Name, p.IpPrefix, p.MaskLengthMin))
			if p.MaskLengthMin != p.MaskLengthMax {
				t.Errorf("%s matches lengths %d..%d: more specifics would be exported too", p.IpPrefix, p.MaskLengthMin, p.MaskLengthMax)
			}
		}
	}
	want := "anycloud-service4 198.51.100.0/24 24|anycloud-service4 198.51.100.53/32 32|anycloud-service6 2001:db8:53::53/128 128"
	if strings.Join(got, "|") != want {
		t.Errorf("sets = %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestPeerStatusPrefixLimit(t *testing.T) {
	st := peerStatusOf(&api.Peer{
		Conf:  &api.PeerConf{NeighborAddress: "192.0.2.2", PeerAsn: 64501},
		State: &api.PeerState{SessionState: api.PeerState_SESSION_STATE_IDLE, AdminState: api.PeerState_ADMIN_STATE_PFX_CT},
	})
	if st.Session != "idle" || !strings.Contains(st.Info, "max-prefixes") {
		t.Errorf("status %+v, want idle with the prefix limit as the reason", st)
	}
}
