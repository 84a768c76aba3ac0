package hub

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
)

// TestNSDPrimary: the hub pulls a zone from NSD as a client primary, with a
// hmac-sha512 TSIG key.
func TestNSDPrimary(t *testing.T) {
	dir := t.TempDir()
	zoneFile := filepath.Join(dir, "example.zone")
	if err := os.WriteFile(zoneFile, []byte(testpeer.ZoneText("example.", 42, 3600, 600, 86400, 10)), 0o600); err != nil {
		t.Fatal(err)
	}
	nsd := testpeer.StartNSD(t, peerconf.NSDOptions{
		Zones: []peerconf.Zone{{Origin: "example.", File: zoneFile}},
		Keys:  []peerconf.TSIGKey{{Name: "client-key.", Algorithm: "hmac-sha512", Secret: clientSecret}},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: "client-key.", Transfer: true}},
	})
	hubPort := testpeer.FreePort(t)
	yaml := hubYAML(hubPort, dir, []string{nsd.Addr}, "")
	yaml = replaceOnce(t, yaml, "name: client-key., algorithm: hmac-sha256", "name: client-key., algorithm: hmac-sha512")
	th := startHub(t, dir, hubPort, yaml)
	th.waitSerial(t, "example.", 42, 10*time.Second)
	if v := th.Current("example."); v.Len() != 25 {
		t.Fatalf("%d records from NSD, want 25", v.Len())
	}
}
