package peerconf

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// KnotConfig renders a knotd 3.2 configuration with every piece of state
// (pid file, control socket, journal, timers, KASP and catalog databases)
// under dir, listening on 127.0.0.1 at opts.Port (or on opts.Listen). It is
// the one Knot configuration builder of the project: test peers,
// StartPrimary, the bench and the lab all write their knot.conf with it.
func KnotConfig(opts KnotOptions, dir string) string {
	var b strings.Builder
	knotServer(&b, opts, dir)
	knotKeys(&b, opts.Keys)
	remotes := knotRemotes(&b, opts.Zones)
	knotACLs(&b, opts.ACLs)
	knotTemplates(&b, opts, dir, remotes)
	b.WriteString(opts.Extra)
	knotZones(&b, opts.Zones, remotes)
	return b.String()
}

func knotServer(b *strings.Builder, opts KnotOptions, dir string) {
	id := opts.Identity
	fmt.Fprintf(b, "server:\n    rundir: %q\n    pidfile: %q\n", dir, filepath.Join(dir, "knot.pid"))
	listen := fmt.Sprintf("127.0.0.1@%d", opts.Port)
	if len(opts.Listen) > 0 {
		listen = "[ " + strings.Join(opts.Listen, ", ") + " ]"
	}
	fmt.Fprintf(b, "    listen: %s\n    background-workers: 1\n", listen)
	fmt.Fprintf(b, "    udp-workers: 1\n    tcp-workers: 1\n")
	writeIf(b, "    identity: %q\n", id.Identity)
	writeIf(b, "    version: %q\n", id.Version)
	writeIf(b, "    nsid: %q\n", id.NSID)
	fmt.Fprintf(b, "control:\n    listen: %q\n", filepath.Join(dir, "knot.sock"))
	fmt.Fprintf(b, "database:\n    storage: %q\n", dir)
	fmt.Fprintf(b, "    journal-db: %q\n    timer-db: %q\n", filepath.Join(dir, "journal"), filepath.Join(dir, "timers"))
	fmt.Fprintf(b, "    kasp-db: %q\n    catalog-db: %q\n", filepath.Join(dir, "kasp"), filepath.Join(dir, "catalog"))
	fmt.Fprintf(b, "log:\n  - target: %s\n    any: %s\n", orDefault(opts.LogTarget, "stderr"), orDefault(opts.LogLevel, "info"))
}

func knotKeys(b *strings.Builder, keys []TSIGKey) {
	if len(keys) == 0 {
		return
	}
	b.WriteString("key:\n")
	for _, k := range keys {
		fmt.Fprintf(b, "  - id: %s\n    algorithm: %s\n    secret: %s\n", k.Name, k.Algorithm, k.Secret)
	}
}

// knotRemotes declares one remote per distinct (address, key) pair among
// the zones' primaries and NOTIFY targets, and returns their ids by
// remoteKey.
func knotRemotes(b *strings.Builder, zones []Zone) map[string]string {
	ids := map[string]string{}
	declare := func(addr, key string) {
		if addr == "" || ids[remoteKey(addr, key)] != "" {
			return
		}
		if len(ids) == 0 {
			b.WriteString("remote:\n")
		}
		id := fmt.Sprintf("remote%d", len(ids))
		ids[remoteKey(addr, key)] = id
		fmt.Fprintf(b, "  - id: %s\n    address: %s\n", id, atPort(addr))
		writeIf(b, "    key: %s\n", key)
	}
	for _, z := range zones {
		declare(z.Primary, z.PrimaryKey)
		for _, target := range z.Notify {
			declare(target, z.NotifyKey)
		}
	}
	return ids
}

func remoteKey(addr, key string) string { return addr + " " + key }

// atPort turns "host:port" into the "host@port" Knot and NSD write.
func atPort(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return host + "@" + port
}

func knotACLs(b *strings.Builder, acls []ACL) {
	if len(acls) == 0 {
		return
	}
	b.WriteString("acl:\n")
	for i, a := range acls {
		fmt.Fprintf(b, "  - id: acl%d\n    address: %s\n    action: [%s]\n", i, a.Address, strings.Join(aclActions(a), ", "))
		writeIf(b, "    key: %s\n", a.Key)
	}
}

func aclActions(a ACL) []string {
	var actions []string
	if a.Transfer {
		actions = append(actions, "transfer")
	}
	if a.Notify {
		actions = append(actions, "notify")
	}
	return actions
}

// knotTemplates writes the default template (no signing, no zone file
// writes, journal off) and, when a catalog is interpreted, the template its
// members get.
func knotTemplates(b *strings.Builder, opts KnotOptions, dir string, remotes map[string]string) {
	b.WriteString("template:\n")
	fmt.Fprintf(b, "  - id: default\n    storage: %q\n    file: %q\n", dir, filepath.Join(dir, "%s.zone"))
	if opts.Journal {
		b.WriteString("    zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n    serial-policy: increment\n")
	} else {
		b.WriteString("    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n")
	}
	writeIf(b, "    journal-max-usage: %s\n", opts.JournalMaxUsage)
	// Semantic checks off, so that deliberately odd test zones still load.
	b.WriteString("    semantic-checks: off\n    dnssec-signing: off\n")
	if opts.ZONEMD {
		b.WriteString("    zonemd-generate: zonemd-sha384\n")
	}
	b.WriteString(knotACLRef(opts.ACLs))
	for _, z := range opts.Zones {
		if z.Catalog {
			fmt.Fprintf(b, "  - id: catalog-member\n    file: %q\n", filepath.Join(dir, "%s.zone"))
			fmt.Fprintf(b, "    zonefile-sync: -1\n    journal-content: all\n    dnssec-signing: off\n")
			fmt.Fprintf(b, "    master: %s\n", remotes[remoteKey(z.Primary, z.PrimaryKey)])
			b.WriteString(knotACLRef(opts.ACLs))
			return // one catalog is all later issues need
		}
	}
}

func knotACLRef(acls []ACL) string {
	if len(acls) == 0 {
		return ""
	}
	var ids []string
	for i := range acls {
		ids = append(ids, fmt.Sprintf("acl%d", i))
	}
	return fmt.Sprintf("    acl: [%s]\n", strings.Join(ids, ", "))
}

func knotZones(b *strings.Builder, zones []Zone, remotes map[string]string) {
	if len(zones) == 0 {
		return
	}
	b.WriteString("zone:\n")
	for _, z := range zones {
		fmt.Fprintf(b, "  - domain: %s\n", z.Origin)
		if z.File != "" {
			fmt.Fprintf(b, "    file: %q\n", absPath(z.File))
		}
		if z.Primary != "" {
			fmt.Fprintf(b, "    master: %s\n    journal-content: all\n", remotes[remoteKey(z.Primary, z.PrimaryKey)])
		}
		if len(z.Notify) > 0 {
			var targets []string
			for _, target := range z.Notify {
				targets = append(targets, remotes[remoteKey(target, z.NotifyKey)])
			}
			fmt.Fprintf(b, "    notify: [%s]\n", strings.Join(targets, ", "))
		}
		if z.Catalog {
			b.WriteString("    catalog-role: interpret\n    catalog-template: catalog-member\n")
		}
	}
}

func writeIf(b *strings.Builder, format, value string) {
	if value != "" {
		fmt.Fprintf(b, format, value)
	}
}

func orDefault(value, def string) string {
	if value == "" {
		return def
	}
	return value
}

func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
