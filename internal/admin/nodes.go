package admin

import (
	"fmt"
	"slices"

	"anycloud/internal/adminstate"
	"anycloud/internal/hub"
	"anycloud/internal/xfr"
)

// AddNodeRequest is `anycloud node add` at the hub.
type AddNodeRequest struct {
	Name    string              `json:"name"`
	Address string              `json:"address"` // unicast IP or IP:port, where NOTIFY goes
	Key     KeyJSON             `json:"key"`
	Site    adminstate.NodeSite `json:"site"`
}

// AddNode registers an administered node with its key; the reload is all
// or nothing, as for clients.
func (a *Admin) AddNode(req AddNodeRequest) error {
	key, err := req.Key.Key()
	if err != nil {
		return err
	}
	err = a.write(func(tx *adminTx) error {
		if slices.ContainsFunc(a.h.Config().Nodes, func(n hub.Node) bool { return n.Name == req.Name }) {
			return fmt.Errorf("node %q is already registered", req.Name)
		}
		var admin []hub.NodeFile
		if err := tx.readYAML(hub.AdminNodes, &admin); err != nil {
			return err
		}
		keyName := hub.AdminKeyName(key.Name)
		admin = append(admin, hub.NodeFile{Name: req.Name, Address: req.Address,
			TSIG: xfr.KeySpec{Name: key.Name, Algorithm: "hmac-sha256", SecretFile: keyName}})
		sites := map[string]adminstate.NodeSite{}
		if err := tx.readJSON(hub.AdminNodeSites, &sites); err != nil {
			return err
		}
		sites[req.Name] = req.Site
		tx.write(keyName, []byte(key.Secret+"\n"))
		if err := tx.writeYAML(hub.AdminNodes, admin); err != nil {
			return err
		}
		return tx.writeJSON(hub.AdminNodeSites, sites)
	})
	if err != nil {
		return refusedAs(err, "node")
	}
	a.log.Info("node added", "node", req.Name, "address", req.Address, "key", key.Name)
	return nil
}

// SetNodeState records a node's administrative state; the node picks it
// up at its next poll (about a second).
func (a *Admin) SetNodeState(name, state string) error {
	if !adminstate.ValidNodeState(state) {
		return fmt.Errorf("unknown node state %q (enabled, disabled or drained)", state)
	}
	if !slices.ContainsFunc(a.h.Config().Nodes, func(n hub.Node) bool { return n.Name == name }) {
		return fmt.Errorf("no node %q at this hub", name)
	}
	err := a.write(func(tx *adminTx) error {
		states := map[string]string{}
		if err := tx.readJSON(hub.AdminNodeStates, &states); err != nil {
			return err
		}
		states[name] = state
		return tx.writeJSON(hub.AdminNodeStates, states)
	})
	if err != nil {
		return err
	}
	a.log.Warn("node administrative state set", "node", name, "state", state)
	return nil
}
