package peerconf

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
)

// NSDConfig renders an NSD 4.6 configuration with every piece of state
// under dir, no privilege drop, no chroot and no remote control, listening
// on 127.0.0.1 at opts.Port. It is the one NSD configuration builder of the
// project: test peers and the bench write their nsd.conf with it.
func NSDConfig(opts NSDOptions, dir string) string {
	var b strings.Builder
	nsdServer(&b, opts.Identity, dir, opts.Port)
	writeIf(&b, "    logfile: %q\n", opts.LogFile)
	if opts.RRLRatelimit > 0 {
		fmt.Fprintf(&b, "    rrl-ratelimit: %d\n    rrl-ipv4-prefix-length: 24\n", opts.RRLRatelimit)
		if opts.RRLSlip > 0 {
			fmt.Fprintf(&b, "    rrl-slip: %d\n", opts.RRLSlip)
		}
	}
	if opts.MinimalResponses {
		b.WriteString("    minimal-responses: yes\n")
	}
	b.WriteString("remote-control:\n    control-enable: no\n")
	nsdKeys(&b, opts.Keys)
	for _, z := range opts.Zones {
		nsdZone(&b, z, opts.ACLs, dir)
	}
	b.WriteString(opts.Extra)
	return b.String()
}

func nsdServer(b *strings.Builder, id Identity, dir string, port int) {
	fmt.Fprintf(b, "server:\n    ip-address: 127.0.0.1@%d\n    port: %d\n    do-ip6: no\n", port, port)
	fmt.Fprintf(b, "    username: \"\"\n    chroot: \"\"\n    zonesdir: %q\n", dir)
	fmt.Fprintf(b, "    pidfile: %q\n    database: \"\"\n", filepath.Join(dir, "nsd.pid"))
	fmt.Fprintf(b, "    xfrdfile: %q\n    xfrdir: %q\n", filepath.Join(dir, "xfrd.state"), dir)
	fmt.Fprintf(b, "    zonelistfile: %q\n    cookie-secret-file: %q\n", filepath.Join(dir, "zone.list"), filepath.Join(dir, "cookiesecrets.txt"))
	fmt.Fprintf(b, "    server-count: 1\n    verbosity: 1\n    rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n")
	writeIf(b, "    identity: %q\n", id.Identity)
	writeIf(b, "    version: %q\n", id.Version)
	writeIf(b, "    nsid: %q\n", hexOrEmpty(id.NSID))
}

func hexOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return hex.EncodeToString([]byte(s))
}

func nsdKeys(b *strings.Builder, keys []TSIGKey) {
	for _, k := range keys {
		fmt.Fprintf(b, "key:\n    name: %q\n    algorithm: %s\n    secret: %q\n", k.Name, k.Algorithm, k.Secret)
	}
}

func nsdZone(b *strings.Builder, z Zone, acls []ACL, dir string) {
	fmt.Fprintf(b, "zone:\n    name: %q\n", z.Origin)
	if z.File != "" {
		fmt.Fprintf(b, "    zonefile: %q\n", absPath(z.File))
	} else {
		fmt.Fprintf(b, "    zonefile: %q\n", filepath.Join(dir, strings.TrimSuffix(z.Origin, ".")+".zone"))
	}
	if z.Primary != "" {
		host := atPort(z.Primary)
		fmt.Fprintf(b, "    request-xfr: %s %s\n", host, keyOrNoKey(z.PrimaryKey))
		fmt.Fprintf(b, "    allow-notify: %s %s\n", strings.Split(host, "@")[0], keyOrNoKey(z.PrimaryKey))
	}
	for _, target := range z.Notify {
		fmt.Fprintf(b, "    notify: %s %s\n", atPort(target), keyOrNoKey(z.NotifyKey))
	}
	for _, a := range acls {
		if a.Transfer {
			fmt.Fprintf(b, "    provide-xfr: %s %s\n", a.Address, keyOrNoKey(a.Key))
		}
		if a.Notify {
			fmt.Fprintf(b, "    allow-notify: %s %s\n", a.Address, keyOrNoKey(a.Key))
		}
	}
}

func keyOrNoKey(key string) string {
	if key == "" {
		return "NOKEY"
	}
	return key
}
