package admin

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/hub"
	"anycloud/internal/onboard"
	"anycloud/internal/xfr"
)

// KeyJSON carries a TSIG key over the loopback control API.
type KeyJSON struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Secret    string `json:"secret"`
}

// Key validates k.
func (k KeyJSON) Key() (*xfr.Key, error) { return xfr.NewKey(k.Name, k.Algorithm, k.Secret) }

// AddClientRequest is `anycloud client add`.
type AddClientRequest struct {
	Zone string `json:"zone"`
	// Zones are further zones under the same key (a ccTLD's second-level
	// zones): one client, one key, each zone a catalog member.
	Zones     []string `json:"zones,omitempty"`
	Client    string   `json:"client,omitempty"` // default: the zone without its dot
	Primaries []string `json:"primaries"`
	Key       KeyJSON  `json:"key"`
	Rotate    bool     `json:"rotate,omitempty"`
	// Recipient says who the key was encrypted to, for the key step.
	Recipient string `json:"recipient,omitempty"`
	// Restore brings back a zone removed with `client remove` within the
	// grace period, with the key and primaries it had (Key unused).
	Restore bool `json:"restore,omitempty"`
}

// ZoneList is Zone then Zones, canonical and without repeats.
func (req AddClientRequest) ZoneList() []string {
	var out []string
	for _, z := range append([]string{req.Zone}, req.Zones...) {
		if z = dns.CanonicalName(z); z != "." && !slices.Contains(out, z) {
			out = append(out, z)
		}
	}
	return out
}

// AddClient adds (or, with Rotate, re-keys) an administered client: its
// secret goes to the storage directory (0600), the client to the
// administered clients, and the hub reloads; if the reload refuses the
// new configuration, both files are put back as they were.
func (a *Admin) AddClient(req AddClientRequest) error {
	if req.Restore {
		return a.restoreClient(req)
	}
	zones := req.ZoneList()
	if len(zones) == 0 {
		return fmt.Errorf("no zone")
	}
	key, err := req.Key.Key()
	if err != nil {
		return err
	}
	err = a.write(func(tx *adminTx) error {
		var admin []hub.ClientFile
		if err := tx.readYAML(hub.AdminClients, &admin); err != nil {
			return err
		}
		admin, err := a.withClient(admin, zones, req)
		if err != nil {
			return err
		}
		keyName := hub.AdminKeyName(key.Name)
		admin[len(admin)-1].TSIG = xfr.KeySpec{Name: key.Name, Algorithm: onboard.AlgorithmName(key), SecretFile: keyName}
		tx.write(keyName, []byte(key.Secret+"\n"))
		// A zone added again within its grace period is no longer removed:
		// its stored versions serve at once and must not be purged later.
		removed := map[string]hub.RemovedZone{}
		if err := tx.readJSON(hub.AdminRemoved, &removed); err != nil {
			return err
		}
		if len(removed) > 0 {
			for _, z := range zones {
				delete(removed, z)
			}
			if err := tx.writeJSON(hub.AdminRemoved, removed); err != nil {
				return err
			}
		}
		return tx.writeYAML(hub.AdminClients, admin)
	})
	if err != nil {
		return refusedAs(err, "client")
	}
	a.log.Info("client added", "zones", zones, "key", key.Name, "rotate", req.Rotate, "primaries", req.Primaries)
	now := time.Now().UTC()
	verb := "created"
	if req.Rotate {
		verb = "rotated"
	}
	for _, zone := range zones {
		a.recordStep(zone, StepState{Name: onboard.StepKey, State: "pass", At: now,
			Detail: fmt.Sprintf("key %s (%s) %s, encrypted to %s", key.Name, onboard.AlgorithmName(key), verb, req.Recipient)})
		if req.Rotate {
			// The primary still has the old key: transfers fail until the
			// client installs the new one, and status must not say otherwise.
			a.recordStep(zone, StepState{Name: onboard.StepTransfer, State: "pending", At: now, Detail: "the key was rotated",
				Todo: "the client installs the new key from the bundle on its primary; then run 'anycloud client trial transfer " + zone + "'"})
		}
	}
	return nil
}

// adminIndex is the index of the administered client holding zone, or -1.
func adminIndex(admin []hub.ClientFile, zone string) int {
	return slices.IndexFunc(admin, func(c hub.ClientFile) bool {
		return slices.ContainsFunc(c.Zones, func(z string) bool { return dns.CanonicalName(z) == zone })
	})
}

// withClient returns admin with the client of zones new or replaced
// (moved last, so the caller sets its key); it refuses a zone the file
// configures, an existing client without Rotate, a rotation of a missing
// one, and a rotation that leaves out a zone sharing the key (the bundle
// must list them all).
func (a *Admin) withClient(admin []hub.ClientFile, zones []string, req AddClientRequest) ([]hub.ClientFile, error) {
	idx := -1
	for i, zone := range zones {
		at := adminIndex(admin, zone)
		_, configured := hub.ClientZones(a.h.Config())[zone]
		switch {
		case configured && at < 0:
			return nil, fmt.Errorf("%s is configured in the hub's configuration file; change it there", zone)
		case at >= 0 && !req.Rotate:
			return nil, fmt.Errorf("%s is already a client; use --rotate for a new key", zone)
		case at < 0 && req.Rotate:
			return nil, fmt.Errorf("%s is not a client yet: add it without --rotate", zone)
		case i > 0 && at != idx:
			return nil, fmt.Errorf("%s and %s have different keys: rotate each client on its own", zones[0], zone)
		}
		idx = at
	}
	entry := hub.ClientFile{Name: req.Client, Zones: zones, Primaries: req.Primaries}
	if idx >= 0 {
		entry = admin[idx]
		if len(entry.Zones) != len(zones) {
			return nil, fmt.Errorf("%s share one key: rotate them together ('anycloud client add %s --rotate ...') so the new bundle lists every zone",
				strings.Join(entry.Zones, " "), strings.Join(entry.Zones, " "))
		}
		if len(req.Primaries) > 0 {
			entry.Primaries = req.Primaries
		}
		admin = slices.Delete(admin, idx, idx+1)
	}
	if entry.Name == "" {
		entry.Name = strings.TrimSuffix(zones[0], ".")
	}
	return append(admin, entry), nil
}
