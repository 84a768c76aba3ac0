package metrics

import (
	"reflect"
	"testing"

	"anycloud/internal/announce"
)

func TestAnnounceFromStatus(t *testing.T) {
	tests := []struct {
		name string
		st   announce.Status
		want AnnounceInfo
	}{
		{
			name: "announced to one of two peers",
			st: announce.Status{State: "announced", Health: announce.Health{Healthy: true},
				Peers: []announce.PeerStatus{{Address: "192.0.2.1", Session: "established"}, {Address: "192.0.2.2", Session: "active"}},
				Prefixes: []announce.PrefixStatus{{Prefix: "198.51.100.0/24", Peers: []announce.PrefixAtPeer{
					{Peer: "192.0.2.1", Announced: true}, {Peer: "192.0.2.2"}}}}},
			want: AnnounceInfo{State: "announced", Sessions: map[string]bool{"192.0.2.1": true, "192.0.2.2": false},
				Prefixes: map[string]bool{"198.51.100.0/24": true}, Checks: map[string]bool{"healthy": true}},
		},
		{
			name: "withdrawn after a failing check",
			st: announce.Status{State: "withdrawn", Health: announce.Health{Failing: map[string]string{"soa sv.": "timeout"}},
				Prefixes: []announce.PrefixStatus{{Prefix: "2001:db8:53::/48"}}},
			want: AnnounceInfo{State: "withdrawn", Sessions: map[string]bool{},
				Prefixes: map[string]bool{"2001:db8:53::/48": false}, Checks: map[string]bool{"healthy": false, "soa sv.": false}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AnnounceFromStatus(tc.st); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
