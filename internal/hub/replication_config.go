package hub

import (
	"net/netip"
	"os"
	"regexp"
	"strings"

	"anycloud/internal/yamlconf"
)

// ReplicationFile is the `replication:` section: the hubs that share the
// administered state (clients, node keys, node states, onboarding results)
// through a Raft log. Without it (the default) the hub keeps that state
// alone, as a single hub always has. Zone data is never replicated: each
// hub pulls every client zone from its primaries itself.
type ReplicationFile struct {
	// Name is this hub's name in the cluster (letters, digits, '-'),
	// unique among the hubs.
	Name string `yaml:"name"`
	// Listen is this hub's replication address, IP:port; the other hubs
	// reach it there, so it is a routable address, not 0.0.0.0.
	Listen string `yaml:"listen"`
	// SecretFile holds the cluster secret (at least 32 bytes, the same at
	// every hub, mode 0600), relative to the configuration file. Hubs
	// prove it to each other in TLS 1.3 and nothing else is accepted.
	SecretFile string `yaml:"secret-file"`
	// Peers are the other hubs (at most 8): name and replication address.
	// Every hub lists the same set. Admin writes need a majority of all
	// hubs; with two hubs, both; see the operator's guide on a third.
	Peers []PeerFile `yaml:"peers"`
}

// PeerFile is one other hub of the cluster.
type PeerFile struct {
	Name    string `yaml:"name"`    // its replication name
	Address string `yaml:"address"` // its replication IP:port
}

// ReplicationConfig is the validated section.
type ReplicationConfig struct {
	Name   string
	Listen string
	Secret []byte
	Peers  []PeerFile
}

const (
	maxPeers        = 8
	maxSecretBytes  = 4096
	minSecretBytes  = 32
	replicationDir  = "raft"
	peerNamePattern = `^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`
)

var peerName = regexp.MustCompile(peerNamePattern)

func (v *validator) replication(f *ReplicationFile) *ReplicationConfig {
	if f == nil {
		return nil
	}
	out := &ReplicationConfig{Name: f.Name, Listen: f.Listen}
	if !peerName.MatchString(f.Name) {
		v.Add("replication.name", "%q is not a name of letters, digits and '-'", f.Name)
	}
	v.replicationAddr("replication.listen", f.Listen)
	out.Secret = v.secretFile("replication.secret-file", f.SecretFile)
	if len(f.Peers) == 0 {
		v.Add("replication.peers", "at least one other hub is required (remove the section for a single hub)")
	}
	if len(f.Peers) > maxPeers {
		v.Add("replication.peers", "%d peers, more than %d", len(f.Peers), maxPeers)
	}
	names, addrs := map[string]bool{f.Name: true}, map[string]bool{f.Listen: true}
	for i, p := range f.Peers {
		field := yamlconf.Index("replication.peers", i)
		if !peerName.MatchString(p.Name) {
			v.Add(field+".name", "%q is not a name of letters, digits and '-'", p.Name)
		}
		if names[p.Name] {
			v.Add(field+".name", "%q is listed twice (or is this hub's name)", p.Name)
		}
		if addrs[p.Address] {
			v.Add(field+".address", "%q is listed twice (or is this hub's address)", p.Address)
		}
		names[p.Name], addrs[p.Address] = true, true
		v.replicationAddr(field+".address", p.Address)
		out.Peers = append(out.Peers, p)
	}
	return out
}

func (v *validator) replicationAddr(field, s string) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 {
		v.Add(field, "%q is not an IP:port", s)
		return
	}
	if ap.Addr().IsUnspecified() {
		v.Add(field, "%s: the other hubs need an address they can reach, not an unspecified one", s)
	}
}

func (v *validator) secretFile(field, name string) []byte {
	if name == "" {
		v.Add(field, "required")
		return nil
	}
	f, err := os.Open(yamlconf.Resolve(v.baseDir, name))
	if err != nil {
		v.Add(field, "%v", err)
		return nil
	}
	defer f.Close()
	buf := make([]byte, maxSecretBytes+1)
	n, _ := f.Read(buf)
	secret := []byte(strings.TrimSpace(string(buf[:n])))
	switch {
	case n > maxSecretBytes:
		v.Add(field, "more than %d bytes", maxSecretBytes)
	case len(secret) < minSecretBytes:
		v.Add(field, "the secret is %d bytes; at least %d are required (e.g. openssl rand -base64 48)", len(secret), minSecretBytes)
	}
	return secret
}
