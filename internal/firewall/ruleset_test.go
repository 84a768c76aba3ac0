package firewall

import (
	"flag"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"anycloud/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleSpec() Spec {
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out
	}
	return Spec{
		Node:      "node-bogota",
		Service:   addrs("198.51.100.53", "2001:db8:53::53"),
		Unicast:   addrs("192.0.2.1", "2001:db8:1::1"),
		Peers:     addrs("192.0.2.20", "2001:db8:1::20"),
		Hubs:      addrs("192.0.2.10"),
		Operators: []netip.Prefix{netip.MustParsePrefix("192.0.2.30/32"), netip.MustParsePrefix("2001:db8:ff::/48")},
	}
}

// TestRulesetGolden pins the text; TestRulesetLoads has nft check it.
func TestRulesetGolden(t *testing.T) {
	got := Ruleset(sampleSpec())
	path := filepath.Join("testdata", "node-bogota.nft")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("ruleset differs from %s:\n%s", path, got)
	}
}

// TestRulesetLoads: `nft -c` (check only, nothing applied) accepts the
// ruleset, also with no hub and no IPv6 at all.
func TestRulesetLoads(t *testing.T) {
	testenv.RequireRoot(t, "nft -c opens a netlink socket")
	testenv.RequireCommand(t, "nft")
	v4only := sampleSpec()
	v4only.Service, v4only.Unicast, v4only.Hubs = v4only.Service[:1], v4only.Unicast[:1], nil
	for name, s := range map[string]Spec{"sample": sampleSpec(), "v4 only, no hub": v4only} {
		path := filepath.Join(t.TempDir(), "rules.nft")
		os.WriteFile(path, []byte(Ruleset(s)), 0o644)
		if out, err := exec.Command("nft", "-c", "-f", path).CombinedOutput(); err != nil {
			t.Errorf("%s: nft -c: %v\n%s\n%s", name, err, out, Ruleset(s))
		}
	}
}
