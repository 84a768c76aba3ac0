package testpeer

import "anycloud/internal/peerconf"

// config is the primary's knot.conf, from the one Knot configuration
// builder: its zone with a journal, transfers from loopback with the TSIG
// key, NOTIFY (signed with the key) to NotifyTo, and ZONEMD if asked.
func (p *Primary) config() string {
	o := p.opts
	zone := peerconf.Zone{Origin: o.Origin, File: p.zoneFile()}
	k := peerconf.KnotOptions{Port: p.Port, Journal: true, ZONEMD: o.ZONEMD}
	if o.KeyName != "" {
		k.Keys = []peerconf.TSIGKey{{Name: o.KeyName, Algorithm: o.Algorithm, Secret: o.Secret}}
		k.ACLs = []peerconf.ACL{{Address: "127.0.0.0/8", Key: o.KeyName, Transfer: true}}
	}
	if o.NotifyTo != "" {
		zone.Notify, zone.NotifyKey = []string{o.NotifyTo}, o.KeyName
	}
	k.Zones = []peerconf.Zone{zone}
	return peerconf.KnotConfig(k, p.dir)
}
