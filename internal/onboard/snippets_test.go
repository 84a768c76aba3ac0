package onboard

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"anycloud/internal/xfr"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSnippetsGolden pins the four primary configurations for a fixed key
// and two hub addresses.
func TestSnippetsGolden(t *testing.T) {
	key, err := xfr.NewKey("sv-anycloud.", "hmac-sha256", "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk=")
	if err != nil {
		t.Fatal(err)
	}
	hubs := []netip.AddrPort{netip.MustParseAddrPort("203.0.113.66:53"), netip.MustParseAddrPort("[2001:db8:c1:2::2]:53")}
	for _, server := range Servers {
		t.Run(server, func(t *testing.T) {
			got, err := Snippet(server, "sv.", key, hubs)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "snippet_"+server+".golden"), got)
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestKeyNameAndFreshKeys(t *testing.T) {
	for zone, want := range map[string]string{"sv.": "sv-anycloud.", "SV": "sv-anycloud.", "com.sv.": "com-sv-anycloud."} {
		if got := KeyName(zone); got != want {
			t.Errorf("KeyName(%q) = %q, want %q", zone, got, want)
		}
	}
	a, _ := NewKey("sv.")
	b, _ := NewKey("sv.")
	if a.Secret == b.Secret || len(a.Secret) != 44 || AlgorithmName(a) != "hmac-sha256" {
		t.Errorf("keys %q %q (%s): want two different 256-bit hmac-sha256 secrets", a.Secret, b.Secret, AlgorithmName(a))
	}
}
