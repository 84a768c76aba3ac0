package hub

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

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
	Zone      string   `json:"zone"`
	Client    string   `json:"client,omitempty"` // default: the zone without its dot
	Primaries []string `json:"primaries"`
	Key       KeyJSON  `json:"key"`
	Rotate    bool     `json:"rotate,omitempty"`
	// Recipient says who the key was encrypted to, for the key step.
	Recipient string `json:"recipient,omitempty"`
}

// AddClient adds (or, with Rotate, re-keys) an administered client: its
// secret goes to the storage directory (0600), the client to the
// administered clients, and the hub reloads; if the reload refuses the
// new configuration, both files are put back as they were.
func (h *Hub) AddClient(req AddClientRequest) error {
	zone := dns.CanonicalName(req.Zone)
	key, err := req.Key.Key()
	if err != nil {
		return err
	}
	err = h.adminWrite(func(tx *adminTx) error {
		var admin []ClientFile
		if err := tx.readYAML(adminClients, &admin); err != nil {
			return err
		}
		admin, err := h.withClient(admin, zone, req)
		if err != nil {
			return err
		}
		keyName := adminKeyName(key.Name)
		admin[len(admin)-1].TSIG = xfr.KeySpec{Name: key.Name, Algorithm: onboard.AlgorithmName(key), SecretFile: keyName}
		tx.write(keyName, []byte(key.Secret+"\n"))
		return tx.writeYAML(adminClients, admin)
	})
	if err != nil {
		return refusedAs(err, "client")
	}
	h.log.Info("client added", "zone", zone, "key", key.Name, "rotate", req.Rotate, "primaries", req.Primaries)
	now := time.Now().UTC()
	verb := "created"
	if req.Rotate {
		verb = "rotated"
	}
	h.recordStep(zone, StepState{Name: onboard.StepKey, State: "pass", At: now,
		Detail: fmt.Sprintf("key %s (%s) %s, encrypted to %s", key.Name, onboard.AlgorithmName(key), verb, req.Recipient)})
	if req.Rotate {
		// The primary still has the old key: transfers fail until the
		// client installs the new one, and status must not say otherwise.
		h.recordStep(zone, StepState{Name: onboard.StepTransfer, State: "pending", At: now, Detail: "the key was rotated",
			Todo: "the client installs the new key from the bundle on its primary; then run 'anycloud client trial transfer " + zone + "'"})
	}
	return nil
}

// withClient returns admin with zone's entry new or replaced (moved last,
// so the caller sets its key); it refuses a zone the file configures, an
// existing client without Rotate and a rotation of a missing one.
func (h *Hub) withClient(admin []ClientFile, zone string, req AddClientRequest) ([]ClientFile, error) {
	idx := slices.IndexFunc(admin, func(c ClientFile) bool {
		return slices.ContainsFunc(c.Zones, func(z string) bool { return dns.CanonicalName(z) == zone })
	})
	_, configured := clientZones(h.config())[zone]
	switch {
	case configured && idx < 0:
		return nil, fmt.Errorf("%s is configured in the hub's configuration file; change it there", zone)
	case idx >= 0 && !req.Rotate:
		return nil, fmt.Errorf("%s is already a client; use --rotate for a new key", zone)
	case idx < 0 && req.Rotate:
		return nil, fmt.Errorf("%s is not a client yet: add it without --rotate", zone)
	}
	entry := ClientFile{Name: req.Client, Zones: []string{zone}, Primaries: req.Primaries}
	if idx >= 0 {
		entry = admin[idx]
		if len(req.Primaries) > 0 {
			entry.Primaries = req.Primaries
		}
		admin = slices.Delete(admin, idx, idx+1)
	}
	if entry.Name == "" {
		entry.Name = strings.TrimSuffix(zone, ".")
	}
	return append(admin, entry), nil
}
