package control

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"anycloud/internal/admin"
	"anycloud/internal/catalog"
	"anycloud/internal/hub"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// catalogHas says whether h's catalog lists zone as a member.
func catalogHas(t *testing.T, h *hub.Hub, zone string) bool {
	t.Helper()
	v := h.Current(h.Config().Catalog)
	if v == nil {
		return false
	}
	ms, err := catalog.Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(ms, func(m catalog.Member) bool { return m.Zone == zone })
}

// TestReplicatedLifecycle: two hubs replicating, each pulling from real
// Knot primaries. Every lifecycle change made at one hub takes effect at
// both: `client remove` at hub 1 takes the zone out of both catalogs;
// `client set --primary` at hub 1 moves hub 0 to the new primary at once
// (the old primary holds serial 1 and a refresh of an hour: only the
// change brings serial 2); `node remove` at hub 1 revokes the node's key
// at hub 0 too (its AXFR refused at both); the cloud's OpenPGP key, asked
// of both hubs at once, is one key; and the purge run at hub 0 alone
// drops the removed zone's stored versions at hub 1 as well.
func TestReplicatedLifecycle(t *testing.T) {
	hubs := startCluster(t, 2)
	goneKey, _ := xfr.NewKey("gone-key.", "hmac-sha256", clientSecret)
	gone := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "gone.", ZoneText: testpeer.ZoneText("gone.", 1, 3600, 600, 86400, 3),
		KeyName: goneKey.Name, Algorithm: "hmac-sha256", Secret: clientSecret})
	movedKey, _ := xfr.NewKey("moved-key.", "hmac-sha256", clientSecret)
	movedOpts := func(serial uint32) testpeer.PrimaryOptions {
		return testpeer.PrimaryOptions{Origin: "moved.", ZoneText: testpeer.ZoneText("moved.", serial, 3600, 3600, 86400, 3),
			KeyName: movedKey.Name, Algorithm: "hmac-sha256", Secret: clientSecret}
	}
	oldPrimary, newPrimary := testpeer.StartPrimary(t, movedOpts(1)), testpeer.StartPrimary(t, movedOpts(2))
	if err := addClient(t, hubs[0].ctl, "gone.", gone.Addr, goneKey); err != nil {
		t.Fatal(err)
	}
	if err := addClient(t, hubs[0].ctl, "moved.", oldPrimary.Addr, movedKey); err != nil {
		t.Fatal(err)
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" pulls gone. and moved. and lists them", 20*time.Second, func() bool {
			g, m := h.Current("gone."), h.Current("moved.")
			return g != nil && m != nil && m.Serial() == 1 && catalogHas(t, h.Hub, "gone.") && catalogHas(t, h.Hub, "moved.")
		})
	}

	// client remove at hub 1: out of both catalogs, data kept at both.
	if err := hubs[1].ctl.Do(http.MethodPost, "/onboard/client-remove", RemoveClientRequest{Zone: "gone."}, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" drops gone. from its catalog", 10*time.Second, func() bool {
			return !catalogHas(t, h.Hub, "gone.") && h.Current("gone.") == nil && catalogHas(t, h.Hub, "moved.")
		})
		if _, ok := h.admin.RemovedZones()["gone."]; !ok {
			t.Fatalf("%s does not list gone. as removed", h.Config().Replication.Name)
		}
		if stored, _ := filepath.Glob(filepath.Join(h.Config().Storage, "gone.*")); len(stored) == 0 {
			t.Fatalf("%s dropped gone.'s stored versions within the grace period", h.Config().Replication.Name)
		}
	}

	// client set --primary at hub 1: hub 0 asks the new primary at once.
	if err := hubs[1].ctl.Do(http.MethodPost, "/onboard/client-primaries", SetPrimariesRequest{Zone: "moved.", Primaries: []string{newPrimary.Addr}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" pulls moved. from its new primary", 10*time.Second, func() bool {
			v := h.Current("moved.")
			return v != nil && v.Serial() == 2
		})
	}

	// node remove at hub 1: the key is refused at both.
	nodeKey, _ := xfr.NewKey("edge1-key.", "hmac-sha256", nodeSecret)
	add := admin.AddNodeRequest{Name: "edge1", Address: "127.0.0.1:5399", Key: admin.KeyJSON{Name: nodeKey.Name, Algorithm: "hmac-sha256", Secret: nodeKey.Secret}}
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/nodes", add, nil); err != nil {
		t.Fatal(err)
	}
	axfr := func(h *replicatedHub) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := (&xfr.Client{Key: nodeKey, Timeout: 2 * time.Second}).AXFR(ctx, h.addr, "moved.")
		return err
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" gives edge1 moved.", 10*time.Second, func() bool { return axfr(h) == nil })
	}
	if err := hubs[1].ctl.Do(http.MethodPost, "/onboard/node-remove", RemoveNodeRequest{Name: "edge1"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" refuses edge1's key", 10*time.Second, func() bool {
			return axfr(h) != nil && nodeStateAt(h.Hub, "edge1") == "absent"
		})
		if _, err := os.Stat(hub.AdminPath(h.Config().Storage, hub.AdminKeyName(nodeKey.Name))); err == nil {
			t.Fatalf("%s keeps edge1's key file", h.Config().Replication.Name)
		}
	}

	// The cloud's key, asked of both hubs at once: one key.
	infos := make([]CloudKeyInfo, len(hubs))
	var wg sync.WaitGroup
	for i, h := range hubs {
		wg.Go(func() {
			if err := h.ctl.Do(http.MethodGet, "/onboard/cloud-key", nil, &infos[i]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if infos[0].Fingerprint == "" || infos[0].Fingerprint != infos[1].Fingerprint {
		t.Fatalf("the hubs sign with different keys: %q and %q", infos[0].Fingerprint, infos[1].Fingerprint)
	}
	k0, _ := os.ReadFile(hub.AdminPath(hubs[0].Config().Storage, hub.AdminCloudKey))
	k1, _ := os.ReadFile(hub.AdminPath(hubs[1].Config().Storage, hub.AdminCloudKey))
	if len(k0) == 0 || !bytes.Equal(k0, k1) {
		t.Fatal("the hubs' cloud-pgp.asc differ")
	}

	// The purge, run at hub 0 only: hub 1 drops its stored versions too,
	// and the key shared by no other zone goes at both.
	later := time.Now().Add(31 * 24 * time.Hour)
	if purged := hubs[0].admin.PurgeRemoved(later); !slices.Equal(purged, []string{"gone."}) {
		t.Fatalf("hub0 purged %v, want gone.", purged)
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" drops gone.'s stored versions and key", 10*time.Second, func() bool {
			stored, _ := filepath.Glob(filepath.Join(h.Config().Storage, "gone.*"))
			_, err := os.Stat(hub.AdminPath(h.Config().Storage, hub.AdminKeyName(goneKey.Name)))
			return len(stored) == 0 && err != nil && len(h.admin.RemovedZones()) == 0
		})
	}
	// Hub 1's own purge pass then finds nothing left to do.
	if purged := hubs[1].admin.PurgeRemoved(later); len(purged) != 0 {
		t.Fatalf("hub1 purged %v again", purged)
	}
	if err := hubs[1].ctl.Do(http.MethodPost, "/onboard/clients", admin.AddClientRequest{Zone: "gone.", Restore: true}, nil); err == nil {
		t.Fatal("a purged zone was restored")
	}

	// Both hubs purging at once: one replicated purge, no failure, the
	// same files at both.
	if err := hubs[0].ctl.Do(http.MethodPost, "/onboard/client-remove", RemoveClientRequest{Zone: "moved."}, nil); err != nil {
		t.Fatal(err)
	}
	results := make([][]string, len(hubs))
	for i, h := range hubs {
		wg.Go(func() { results[i] = h.admin.PurgeRemoved(later.Add(time.Hour)) })
	}
	wg.Wait()
	if !slices.Contains(append(results[0], results[1]...), "moved.") {
		t.Fatalf("purges at both hubs at once: %v", results)
	}
	for _, h := range hubs {
		waitFor(t, h.Config().Replication.Name+" drops moved.'s stored versions and key", 10*time.Second, func() bool {
			stored, _ := filepath.Glob(filepath.Join(h.Config().Storage, "moved.*"))
			_, err := os.Stat(hub.AdminPath(h.Config().Storage, hub.AdminKeyName(movedKey.Name)))
			return len(stored) == 0 && err != nil
		})
		logs := h.logs.String()
		if strings.Contains(logs, "could not record the end") {
			t.Fatalf("%s: a purge failed:\n%s", h.Config().Replication.Name, logs)
		}
	}
	r0, _ := os.ReadFile(hub.AdminPath(hubs[0].Config().Storage, hub.AdminRemoved))
	r1, _ := os.ReadFile(hub.AdminPath(hubs[1].Config().Storage, hub.AdminRemoved))
	if !bytes.Contains(r0, []byte("moved.")) || !bytes.Equal(r0, r1) {
		t.Fatalf("removed.json differs between the hubs:\n%s\n%s", r0, r1)
	}
}
