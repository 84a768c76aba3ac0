package control

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/admin"
	"anycloud/internal/adminstate"
	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// TestBackupRestoreFeedsNodes: a backup of a running hub, taken through
// the control API, restored onto a fresh storage directory of another
// hub: with the primary down, the restored hub serves the zone to the
// node with the node's existing key (AXFR with TSIG) and answers its
// state; once the primary is back with a new serial, the restored hub
// pulls it with the client's existing key. No key was made anew: the
// cloud's OpenPGP key is the same, and a zone removed before the backup
// is restored at the new hub with its key.
func TestBackupRestoreFeedsNodes(t *testing.T) {
	th, ctl := startOnboardHub(t, false)
	clientKey, _ := xfr.NewKey("added-key.", "hmac-sha256", clientSecret)
	// The primary notifies the hub restored later (it pulls at once).
	port, control := testpeer.FreePort(t), testpeer.FreePort(t)
	p := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "added.", ZoneText: testpeer.ZoneText("added.", 1, 3600, 600, 86400, 3),
		KeyName: clientKey.Name, Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: fmt.Sprintf("127.0.0.1:%d", port)})
	if err := addClient(t, ctl, "added.", p.Addr, clientKey); err != nil {
		t.Fatal(err)
	}
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Do(http.MethodPost, "/onboard/node-state", NodeStateRequest{Name: "edge1", State: adminstate.NodeDrained}, nil); err != nil {
		t.Fatal(err)
	}
	// A zone removed within its grace period, and the cloud's own key:
	// both are administered state the restored hub must keep.
	oldKey, _ := xfr.NewKey("old-key.", "hmac-sha256", clientSecret)
	if err := addClient(t, ctl, "old.", "127.0.0.1:1", oldKey); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Do(http.MethodPost, "/onboard/client-remove", RemoveClientRequest{Zone: "old."}, nil); err != nil {
		t.Fatal(err)
	}
	var cloud CloudKeyInfo
	if err := ctl.Do(http.MethodGet, "/onboard/cloud-key", nil, &cloud); err != nil {
		t.Fatal(err)
	}
	th.waitSerial(t, "added.", 1, 10*time.Second)
	var backup string
	if err := ctl.Do(http.MethodGet, "/backup", nil, &backup); err != nil {
		t.Fatal(err)
	}
	th.stop()
	p.Stop()

	dir := t.TempDir()
	y := onboardHubYAML(port, control, dir, "127.0.0.1:1")
	storage := filepath.Join(dir, "storage")
	m, err := hub.RestoreBackup(storage, strings.NewReader(backup))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Zones) != 1 || m.Zones[0].Origin != "added." || m.Zones[0].Serial != 1 {
		t.Fatalf("manifest zones %+v", m.Zones)
	}
	if _, err := hub.RestoreBackup(storage, strings.NewReader(backup)); err == nil {
		t.Fatal("a second restore onto a storage that holds a hub's state was accepted")
	}
	restored := startHub(t, dir, port, y)
	if got := nodeState(t, restored.addr, nodeKey); got != adminstate.NodeDrained {
		t.Fatalf("edge1's state at the restored hub: %q", got)
	}
	node := &xfr.Client{Key: nodeKey, Timeout: 2 * time.Second}
	if r, err := node.AXFR(context.Background(), restored.addr, "added."); err != nil || r.Version.Serial() != 1 {
		t.Fatalf("edge1's AXFR from the restored hub with the primary down: %v", err)
	}
	var cloudAfter CloudKeyInfo
	rctl, err := Dial(restored.Config().Control, TokenFile(restored.Config()))
	if err != nil {
		t.Fatal(err)
	}
	if err := rctl.Do(http.MethodGet, "/onboard/cloud-key", nil, &cloudAfter); err != nil || cloudAfter.Fingerprint != cloud.Fingerprint {
		t.Fatalf("the restored hub's cloud key %q (%v), want %q", cloudAfter.Fingerprint, err, cloud.Fingerprint)
	}
	if err := rctl.Do(http.MethodPost, "/onboard/clients", admin.AddClientRequest{Zone: "old.", Restore: true}, nil); err != nil {
		t.Fatalf("the zone removed before the backup does not restore with its key at the restored hub: %v", err)
	}
	p.WriteZone(testpeer.ZoneText("added.", 2, 3600, 600, 86400, 4))
	p.Restart()
	restored.waitSerial(t, "added.", 2, 20*time.Second)
	if r, err := node.AXFR(context.Background(), restored.addr, "added."); err != nil || r.Version.Serial() != 2 {
		t.Fatalf("edge1's AXFR after the pull: %v", err)
	}
}
