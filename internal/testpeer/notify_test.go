package testpeer

import (
	"anycloud/internal/peerconf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKnotNotifiesNSDSecondary runs Knot as a primary that NOTIFYs an NSD
// secondary, TSIG-signed both ways, and checks that a zone file change
// reaches the secondary after Reload.
func TestKnotNotifiesNSDSecondary(t *testing.T) {
	zoneFile := copyFile(t, exampleZone)
	nsdPort := FreePort(t)
	nsdAddr := "127.0.0.1:" + itoa(nsdPort)
	primary := StartKnot(t, peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: "example.test.", File: zoneFile, Notify: []string{nsdAddr}, NotifyKey: xfrKey.Name}},
		Keys:  []peerconf.TSIGKey{xfrKey},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: xfrKey.Name, Transfer: true}},
	})
	StartNSD(t, peerconf.NSDOptions{
		Zones: []peerconf.Zone{{Origin: "example.test.", Primary: primary.Addr, PrimaryKey: xfrKey.Name}},
		Keys:  []peerconf.TSIGKey{xfrKey},
		Port:  nsdPort,
	})
	bumpSerial(t, zoneFile, "2026112601", "2026112602")
	primary.Reload(t)
	if err := WaitSerial(nsdAddr, "example.test.", 2026112602, 10*time.Second); err != nil {
		t.Fatalf("NOTIFY did not bring the new serial to the secondary: %v\nknot log:\n%s", err, primary.Log())
	}
}

func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func bumpSerial(t *testing.T, path, from, to string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), from) {
		t.Fatalf("%s has no serial %s", path, from)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
