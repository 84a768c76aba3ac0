package testpeer

import (
	"fmt"
	"path/filepath"
	"strings"
)

func (p *Primary) config() string {
	var b strings.Builder
	d := p.dir
	fmt.Fprintf(&b, "server:\n    rundir: %q\n    pidfile: %q\n    listen: 127.0.0.1@%d\n", d, filepath.Join(d, "knot.pid"), p.Port)
	b.WriteString("    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n")
	fmt.Fprintf(&b, "control:\n    listen: %q\n", filepath.Join(d, "knot.sock"))
	fmt.Fprintf(&b, "database:\n    storage: %q\n", d)
	b.WriteString("log:\n  - target: stderr\n    any: info\n")
	o := p.opts
	if o.KeyName != "" {
		fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n", o.KeyName, o.Algorithm, o.Secret)
		fmt.Fprintf(&b, "acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    key: %s\n    action: transfer\n", o.KeyName)
	}
	if o.NotifyTo != "" {
		fmt.Fprintf(&b, "remote:\n  - id: hub\n    address: %s\n", strings.Replace(o.NotifyTo, ":", "@", 1))
		if o.KeyName != "" {
			fmt.Fprintf(&b, "    key: %s\n", o.KeyName)
		}
	}
	fmt.Fprintf(&b, "template:\n  - id: default\n    storage: %q\n    zonefile-sync: -1\n", d)
	b.WriteString("    zonefile-load: difference\n    journal-content: changes\n    semantic-checks: off\n    serial-policy: increment\n")
	fmt.Fprintf(&b, "zone:\n  - domain: %s\n    file: %q\n", o.Origin, p.zoneFile())
	if o.KeyName != "" {
		b.WriteString("    acl: xfr\n")
	}
	if o.NotifyTo != "" {
		b.WriteString("    notify: hub\n")
	}
	if o.ZONEMD {
		b.WriteString("    zonemd-generate: zonemd-sha384\n")
	}
	return b.String()
}
