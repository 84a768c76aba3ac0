package onboard

import (
	"fmt"
	"net/netip"
	"strings"
	"text/template"

	"anycloud/internal/xfr"
)

// Primary configurations the client pastes into its own server: allow
// AXFR/IXFR from the hub with the key, and send the hub NOTIFY. Each is
// complete for its part; the client merges the zone lines into its
// existing zone statement.
var snippetTemplates = template.Must(template.New("snippets").Parse(`
{{define "bind"}}# BIND 9 (named.conf): the key, then these lines in each zone statement.
key "{{.KeyName}}" {
    algorithm {{.Algorithm}};
    secret "{{.Secret}}";
};
{{range .Zones}}zone "{{.Bare}}" {
    # ... your existing type, file and options stay ...
    allow-transfer { key "{{$.KeyName}}"; };
    notify explicit;
    also-notify { {{range $.Hubs}}{{.Addr}} port {{.Port}} key "{{$.KeyName}}"; {{end}}};
};
{{end}}{{end}}
{{define "knot"}}# Knot DNS (knot.conf): merge these sections; keep your zone's file and other settings.
key:
  - id: {{.KeyName}}
    algorithm: {{.Algorithm}}
    secret: {{.Secret}}
remote:
  - id: anycloud-hub
    address: [ {{range $i, $h := .Hubs}}{{if $i}}, {{end}}{{$h.Addr}}@{{$h.Port}}{{end}} ]
    key: {{.KeyName}}
acl:
  - id: anycloud-hub
    address: [ {{range $i, $h := .Hubs}}{{if $i}}, {{end}}{{$h.Addr}}{{end}} ]
    key: {{.KeyName}}
    action: transfer
zone:
{{range .Zones}}  - domain: {{.Name}}
    notify: anycloud-hub
    acl: anycloud-hub
{{end}}{{end}}
{{define "nsd"}}# NSD 4 (nsd.conf): the key, then these lines in each zone's pattern or zone clause.
key:
    name: "{{.KeyName}}"
    algorithm: {{.Algorithm}}
    secret: "{{.Secret}}"
{{range .Zones}}zone:
    name: "{{.Bare}}"
    # ... your existing zonefile stays ...
{{range $.Hubs}}    provide-xfr: {{.Addr}} {{$.KeyName}}
    notify: {{.Addr}}@{{.Port}} {{$.KeyName}}
{{end}}{{end}}{{end}}
{{define "powerdns"}}# PowerDNS Authoritative 4.x (shell, on the primary; pdns.conf needs primary=yes).
pdnsutil import-tsig-key {{.KeyName}} {{.Algorithm}} '{{.Secret}}'
{{range .Zones}}pdnsutil set-meta {{.Name}} TSIG-ALLOW-AXFR {{$.KeyName}}
pdnsutil set-meta {{.Name}} ALLOW-AXFR-FROM{{range $.Hubs}} {{.Addr}}{{end}}
pdnsutil set-meta {{.Name}} ALSO-NOTIFY{{range $.Hubs}} {{.String}}{{end}}
{{end}}{{end}}`))

// Servers for which Snippets writes a configuration, in output order.
var Servers = []string{"bind", "knot", "nsd", "powerdns"}

type snippetData struct {
	KeyName, Algorithm, Secret string
	Zones                      []snippetZone
	Hubs                       []netip.AddrPort
}

// snippetZone is one zone the key is for: "sv." and "sv".
type snippetZone struct{ Name, Bare string }

// Snippet returns the configuration for server ("bind", "knot", "nsd",
// "powerdns") that lets the hubs at hubAddrs transfer zone with key and
// sends them NOTIFY. It holds the secret: never log it.
func Snippet(server, zone string, key *xfr.Key, hubAddrs []netip.AddrPort) (string, error) {
	return SnippetZones(server, []string{zone}, key, hubAddrs)
}

// SnippetZones is Snippet for several zones under one key (a ccTLD and
// its second-level zones): one key clause, one zone clause each.
func SnippetZones(server string, zones []string, key *xfr.Key, hubAddrs []netip.AddrPort) (string, error) {
	if len(hubAddrs) == 0 {
		return "", fmt.Errorf("no hub address to allow transfers from")
	}
	if len(zones) == 0 {
		return "", fmt.Errorf("no zone")
	}
	d := snippetData{KeyName: key.Name, Algorithm: AlgorithmName(key), Secret: key.Secret, Hubs: hubAddrs}
	for _, z := range zones {
		d.Zones = append(d.Zones, snippetZone{Name: z, Bare: strings.TrimSuffix(z, ".")})
	}
	var b strings.Builder
	if err := snippetTemplates.ExecuteTemplate(&b, server, d); err != nil {
		return "", fmt.Errorf("snippet for %s: %w", server, err)
	}
	return b.String(), nil
}

// Bundle is the plaintext the client receives, encrypted and signed: the
// key in the common key-file form and one snippet per server, for every
// zone the key is for (zones[0] first).
func Bundle(zones []string, key *xfr.Key, hubAddrs []netip.AddrPort) (string, error) {
	var b strings.Builder
	word := "zone"
	if len(zones) > 1 {
		word = "zones"
	}
	fmt.Fprintf(&b, "anycloud: TSIG key for %s %s\n\n", word, strings.Join(zones, " "))
	fmt.Fprintf(&b, "key name:  %s\nalgorithm: %s\nsecret:    %s\n\n", key.Name, AlgorithmName(key), key.Secret)
	fmt.Fprintf(&b, "The hub transfers from these addresses and expects NOTIFY at them: %s\n", joinAddrs(hubAddrs))
	for _, s := range Servers {
		text, err := SnippetZones(s, zones, key, hubAddrs)
		if err != nil {
			return "", err
		}
		b.WriteString("\n" + text)
	}
	return b.String(), nil
}

func joinAddrs(addrs []netip.AddrPort) string {
	var s []string
	for _, a := range addrs {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}
