package testpeer

import (
	"testing"

	"anycloud/internal/peerconf"
)

// StartNSD starts nsd in the foreground (nsd -d) serving opts.Zones on a
// free loopback port, with response rate limiting off (Debian builds NSD
// with RRL on by default, which would drop test queries), and returns once
// it answers an authoritative SOA for every zone.
func StartNSD(t testing.TB, opts peerconf.NSDOptions) *Peer {
	t.Helper()
	return start(t, daemon{
		name:   "nsd",
		binary: "nsd",
		config: func(dir string, port int) string {
			o := opts
			o.Port = port
			return peerconf.NSDConfig(o, dir)
		},
		args:  func(conf string) []string { return []string{"-d", "-c", conf} },
		ready: readyZones(opts.Zones),
		port:  opts.Port,
	})
}
