package announce

import (
	"flag"
	"net/netip"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestBIRDIncludeGolden(t *testing.T) {
	med := uint32(50)
	prefixes := []Prefix{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Communities: []string{"no-export", "64500:53"}, Prepend: 2},
		{Prefix: netip.MustParsePrefix("2001:db8:53::/48"), MED: &med, LargeCommunities: []string{"64500:1:53", "4200000000:0:4294967295"}},
	}
	tests := []struct {
		golden   string
		prefixes []Prefix
		bfd      *BFDConfig
	}{
		{"testdata/bird-announced.conf", prefixes, nil},
		{"testdata/bird-withdrawn.conf", nil, nil},
		// A drain's graceful-shutdown route, with BFD (RFC 8326, RFC 5880).
		{"testdata/bird-graceful-bfd.conf", GracefulShutdown(prefixes, DefaultDrainPrepend), &BFDConfig{Interval: DefaultBFDInterval, Multiplier: DefaultBFDMultiplier}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			got := BIRDInclude("anycloud", 64500, tc.prefixes) + BIRDBFD("anycloud", tc.bfd)
			if *update {
				if err := os.WriteFile(tc.golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("include differs from %s:\n%s", tc.golden, got)
			}
		})
	}
}

func TestParseBIRDProtocols(t *testing.T) {
	out := `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     23:50:01.123  
anycloud4  Static     master4    up     23:50:01.123  
up4        BGP        ---        up     23:50:02.456  Established   
up6        BGP        ---        start  23:50:02.456  Active        Socket: Connection refused
`
	got := parseBIRDProtocols(out)
	want := []PeerStatus{
		{Address: "up4", Session: "established", Info: "Established"},
		{Address: "up6", Session: "active", Info: "Active Socket: Connection refused"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].Address != want[i].Address || got[i].Session != want[i].Session || got[i].Info != want[i].Info {
			t.Errorf("peer %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestConfigureResult(t *testing.T) {
	tests := []struct {
		out string
		ok  bool
	}{
		{"BIRD 2.0.12 ready.\nReading configuration from /etc/bird.conf\nReconfigured\n", true},
		{"Reconfiguration in progress\n", true},
		{"/tmp/x.conf:3:1 syntax error, unexpected CF_SYM_UNDEFINED\n", false},
	}
	for _, tc := range tests {
		if err := configureResult(tc.out); (err == nil) != tc.ok {
			t.Errorf("configureResult(%q) = %v", tc.out, err)
		}
	}
}
