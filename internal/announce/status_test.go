package announce

import (
	"net/netip"
	"testing"
)

func TestPrefixStatus(t *testing.T) {
	v4 := Prefix{Prefix: netip.MustParsePrefix("198.51.100.0/24")}
	peers := []PeerStatus{
		{Address: "192.0.2.2", Session: "established", Families: []Family{IPv4}},
		{Address: "192.0.2.6", Session: "active", Families: []Family{IPv4}},
		{Address: "2001:db8::2", Session: "established", Families: []Family{IPv6}},
	}
	tests := []struct {
		name      string
		st        Status
		announced bool
		want      []PrefixAtPeer
	}{
		{"announced", Status{State: StateAnnounced, Peers: peers}, true, []PrefixAtPeer{
			{Peer: "192.0.2.2", Announced: true, Why: "announced"},
			{Peer: "192.0.2.6", Announced: false, Why: "session active"},
		}},
		{"drained", Status{State: StateDrained, Reason: "drained by operator", Peers: peers}, false, []PrefixAtPeer{
			{Peer: "192.0.2.2", Why: "drained: drained by operator"},
			{Peer: "192.0.2.6", Why: "drained: drained by operator"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := prefixStatus(v4, tc.st, tc.announced)
			if len(got.Peers) != len(tc.want) {
				t.Fatalf("peers %+v, want %+v", got.Peers, tc.want)
			}
			for i := range tc.want {
				if got.Peers[i] != tc.want[i] {
					t.Errorf("peer %d = %+v, want %+v", i, got.Peers[i], tc.want[i])
				}
			}
		})
	}
}
