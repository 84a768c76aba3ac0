package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"anycloud/internal/lab"
)

// knotTemplate is a client's primary: one zone, transfers only from the
// hubs with the client's key, NOTIFY to every hub on every change, and a
// journal so the hubs get IXFR.
var knotTemplate = template.Must(template.New("knot").Parse(`# Knot DNS primary of {{.Zone}} in the anycloud lab. Generated.
{{.Server}}key:
  - id: {{.KeyName}}
    algorithm: hmac-sha256
    secret: {{.Secret}}
remote:
{{- range .Hubs}}
  - id: {{.Name}}
    address: {{.V4}}@53
    key: {{$.KeyName}}
{{- end}}
acl:
  - id: hubs
    address: [ {{.HubAddrs}} ]
    key: {{.KeyName}}
    action: transfer
template:
  - id: default
    storage: "{{.Dir}}"
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    serial-policy: increment
zone:
  - domain: {{.Zone}}
    file: "{{.Dir}}/zone.db"
    acl: hubs
{{- if not .NoNotify}}
    notify: [ {{.HubNames}} ]
{{- end}}
`))

type knotConf struct {
	Server, Zone, Dir, KeyName, Secret string
	Hubs                               []knotHub
	HubAddrs, HubNames                 string // comma-separated
	NoNotify                           bool   // a stand-in that must not NOTIFY
}

type knotHub struct{ Name, V4 string }

// newKnotConf fills knotConf for zone with every hub of plan.
func newKnotConf(plan *lab.Plan, server, zone, dir, keyName, secret string) knotConf {
	kc := knotConf{Server: server, Zone: zone, Dir: dir, KeyName: keyName, Secret: secret}
	var addrs, names []string
	for _, hub := range hubHosts(plan) {
		kc.Hubs = append(kc.Hubs, knotHub{Name: hub.Name, V4: v4(hub).String()})
		addrs = append(addrs, v4(hub).String(), v6(hub).String())
		names = append(names, hub.Name)
	}
	kc.HubAddrs, kc.HubNames = strings.Join(addrs, ", "), strings.Join(names, ", ")
	return kc
}

// knotServer is the part of every lab Knot's configuration that says where
// it runs: its directory (pid, control socket, database), the addresses it
// listens on (ADDR@PORT), one worker of each kind, and its log on stderr.
func knotServer(dir string, listen ...string) string {
	return fmt.Sprintf(`server:
    rundir: "%[1]s"
    pidfile: "%[1]s/knot.pid"
    listen: [ %[2]s ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "%[1]s/knot.sock"
database:
    storage: "%[1]s"
log:
  - target: stderr
    any: info
`, dir, strings.Join(listen, ", "))
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
	kc := newKnotConf(plan, knotServer(dir, v4(h).String()+"@53", v6(h).String()+"@53"), zone, dir, clientKeyName(zone), secret)
	var conf strings.Builder
	if err := knotTemplate.Execute(&conf, kc); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "knot.conf"), []byte(conf.String()), 0o600); err != nil {
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
