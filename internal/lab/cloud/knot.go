package cloud

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"anycloud/internal/lab"
	"anycloud/internal/peerconf"
)

// primaryKnot is a client's primary of zone, listening on listen
// (ADDR@PORT): transfers only to the hubs (both their addresses) with the
// client's key, NOTIFY to every hub when notify is set, and a journal so the
// hubs get IXFR. Its zone file is dir/zone.db.
func primaryKnot(plan *lab.Plan, listen []string, zone, dir, keyName, secret string, notify bool) string {
	z := peerconf.Zone{Origin: zone, File: filepath.Join(dir, "zone.db")}
	opts := peerconf.KnotOptions{
		Listen:  listen,
		Keys:    []peerconf.TSIGKey{{Name: keyName, Algorithm: "hmac-sha256", Secret: secret}},
		Journal: true,
	}
	for _, hub := range hubHosts(plan) {
		for _, a := range []netip.Addr{v4(hub), v6(hub)} {
			opts.ACLs = append(opts.ACLs, peerconf.ACL{Address: a.String(), Key: keyName, Transfer: true})
		}
		if notify {
			z.Notify, z.NotifyKey = append(z.Notify, hostPort(v4(hub), dnsPort)), keyName
		}
	}
	opts.Zones = []peerconf.Zone{z}
	return fmt.Sprintf("# Knot DNS primary of %s in the anycloud lab. Generated.\n", zone) + peerconf.KnotConfig(opts, dir)
}

func (c *Cloud) primary(plan *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	hubs := hubHosts(plan)
	if len(hubs) == 0 {
		return nil, fmt.Errorf("the topology has no hub for %s to notify", h.Name)
	}
	zone := zoneOf(h)
	key, err := keyFile(dir, clientKeyName(zone))
	if err != nil {
		return nil, err
	}
	secret, err := readKey(key)
	if err != nil {
		return nil, err
	}
	conf := primaryKnot(plan, []string{v4(h).String() + "@53", v6(h).String() + "@53"}, zone, dir, clientKeyName(zone), secret, true)
	if err := os.WriteFile(filepath.Join(dir, "knot.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "zone.db"), []byte(ZoneText(zone, 1)), 0o644); err != nil {
		return nil, err
	}
	return []lab.Command{{Name: "knotd", Argv: []string{"knotd", "-c", filepath.Join(dir, "knot.conf")}}}, nil
}

// BumpCommands change the zone in one Knot transaction; Knot increments
// the serial (serial-policy increment), journals the change and sends
// NOTIFY to every hub.
func (c *Cloud) BumpCommands(_ *lab.Plan, h lab.Host, dir string) ([]lab.Command, error) {
	zone := zoneOf(h)
	knotc := func(args ...string) lab.Command {
		return lab.Command{Name: "knotc", Argv: append([]string{"knotc", "-s", filepath.Join(dir, "knot.sock")}, args...)}
	}
	stamp := fmt.Sprintf("%q", "bumped "+time.Now().UTC().Format(time.RFC3339Nano))
	return []lab.Command{
		knotc("zone-begin", zone),
		knotc("zone-set", zone, "bump."+zone, "60", "TXT", stamp),
		knotc("zone-commit", zone),
	}, nil
}

// ZoneText generates a sample ccTLD zone: apex with the cloud's name server,
// a few hosts, and delegations with glue, all on documentation addresses.
// SOA refresh is 5 s and retry 2 s so that, in the lab, nodes keep asking
// the hub and a lost hub shows within seconds; expire is a week.
func ZoneText(zone string, serial uint32) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n", zone)
	fmt.Fprintf(&b, "@ SOA ns1 hostmaster %d 5 2 604800 300\n", serial)
	b.WriteString("@ NS ns1\n@ NS ns.anycloud.lab.\n")
	b.WriteString("ns1 A 198.51.100.53\nns1 AAAA 2001:db8:53::53\n")
	b.WriteString("@ MX 10 mail\nmail A 192.0.2.25\nwww A 192.0.2.80\nwww AAAA 2001:db8::80\n")
	fmt.Fprintf(&b, "@ TXT \"anycloud lab sample zone %s\"\n", zone)
	for i, label := range []string{"gob", "com", "edu", "org", "net", "mil", "red", "ong"} {
		fmt.Fprintf(&b, "%s NS ns1.%s\n%s NS ns2.%s\n", label, label, label, label)
		fmt.Fprintf(&b, "ns1.%s A 203.0.113.%d\nns2.%s AAAA 2001:db8:%x::53\n", label, 200+i, label, 0xd00+i)
	}
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "d%02d NS ns.d%02d\nns.d%02d A 192.0.2.%d\n", i, i, i, 100+i)
	}
	return b.String()
}
