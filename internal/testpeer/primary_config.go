package testpeer

// config is the primary's knot.conf, from the one Knot configuration
// builder: its zone with a journal, transfers from loopback with the TSIG
// key, NOTIFY (signed with the key) to NotifyTo, and ZONEMD if asked.
func (p *Primary) config() string {
	o := p.opts
	zone := Zone{Origin: o.Origin, File: p.zoneFile()}
	k := KnotOptions{Journal: true, ZONEMD: o.ZONEMD}
	if o.KeyName != "" {
		k.Keys = []TSIGKey{{Name: o.KeyName, Algorithm: o.Algorithm, Secret: o.Secret}}
		k.ACLs = []ACL{{Address: "127.0.0.0/8", Key: o.KeyName, Transfer: true}}
	}
	if o.NotifyTo != "" {
		zone.Notify, zone.NotifyKey = []string{o.NotifyTo}, o.KeyName
	}
	k.Zones = []Zone{zone}
	return KnotConfig(k, p.dir, p.Port)
}
