package lab

import (
	"fmt"
	"strings"
	"text/template"
)

// routerTemplate is a city router: direct routes of its links exported into
// BGP with origin IGP, everything learned installed into the namespace's
// kernel table, timers short enough for sub-second-to-seconds failover, and
// nodes accepted only for the announced prefixes.
var routerTemplate = template.Must(template.New("bird").Parse(`# anycloud lab router for {{.City.Name}} ({{.City.Slug}}), AS {{.City.AS}}. Generated.
log "{{.Dir}}/bird.log" { info, remote, warning, error, auth, fatal, bug };
router id {{.RouterID}};

protocol device { scan time 10; }
protocol direct { ipv4; ipv6; interface "*"; }

# Install BGP routes in the namespace; device routes are already there.
protocol kernel kernel4 { ipv4 { import none; export where source != RTS_DEVICE; }; }
protocol kernel kernel6 { ipv6 { import none; export where source != RTS_DEVICE; }; }

filter to_bgp {
	if source = RTS_DEVICE then bgp_origin = ORIGIN_IGP;
	accept;
}

template bgp lab {
	local as {{.City.AS}};
	hold time 3;
	keepalive time 1;
	connect retry time 1;
	connect delay time 1;
	error wait time 1, 5;
}
{{range .Neighbors}}
protocol bgp {{.Name}} from lab {
	description "{{.Description}}";
	neighbor {{.Address}} as {{.AS}};{{if .Passive}}
	passive on;{{end}}
	{{.Family}} { import {{.Import}}; export {{.Export}}; };
}
{{end}}`))

type routerConf struct {
	City      City
	RouterID  string
	Dir       string
	Neighbors []neighbor
}

type neighbor struct {
	Name, Description, Address, Family, Import, Export string
	AS                                                 uint32
	Passive                                            bool
}

// RouterConfig renders the BIRD configuration of city's router; dir holds
// its log.
func (p *Plan) RouterConfig(city, dir string) (string, error) {
	ci := p.cityIndex(city)
	if ci < 0 {
		return "", fmt.Errorf("unknown city %q", city)
	}
	rc := routerConf{City: p.Topology.Cities[ci], RouterID: routerID(ci).String(), Dir: dir}
	rc.Neighbors = append(p.routerNeighbors(city), p.nodeNeighbors(city)...)
	var b strings.Builder
	if err := routerTemplate.Execute(&b, rc); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (p *Plan) routerNeighbors(city string) []neighbor {
	var out []neighbor
	for _, l := range p.RouterLinks {
		other, addr4, addr6 := l.B, l.B4.Addr(), l.B6.Addr()
		if l.B == city {
			other, addr4, addr6 = l.A, l.A4.Addr(), l.A6.Addr()
		} else if l.A != city {
			continue
		}
		oc, _ := p.Topology.City(other)
		for _, fam := range []struct{ sfx, fam, addr string }{{"4", "ipv4", addr4.String()}, {"6", "ipv6", addr6.String()}} {
			out = append(out, neighbor{Name: oc.Code + fam.sfx, Description: oc.Name, Address: fam.addr,
				AS: oc.AS, Family: fam.fam, Import: "all", Export: "filter to_bgp"})
		}
	}
	return out
}

// nodeNeighbors are passive: nodes dial out (they do not listen on 179).
func (p *Plan) nodeNeighbors(city string) []neighbor {
	var out []neighbor
	for _, a := range p.Access {
		if a.City != city || !a.BGP {
			continue
		}
		out = append(out,
			neighbor{Name: "node4", Description: a.Host, Address: a.Host4.Addr().String(), AS: p.Topology.CloudAS,
				Family: "ipv4", Import: p.announceFilter("ipv4"), Export: "none", Passive: true},
			neighbor{Name: "node6", Description: a.Host, Address: a.Host6.Addr().String(), AS: p.Topology.CloudAS,
				Family: "ipv6", Import: p.announceFilter("ipv6"), Export: "none", Passive: true})
	}
	return out
}

// announceFilter accepts from a node only the announced prefixes (and more
// specifics), as a real upstream would.
func (p *Plan) announceFilter(fam string) string {
	var list []string
	for _, pr := range p.Topology.Announce {
		if (fam == "ipv4") == pr.Addr().Is4() {
			list = append(list, pr.String()+"+")
		}
	}
	if len(list) == 0 {
		return "none"
	}
	return "where net ~ [ " + strings.Join(list, ", ") + " ]"
}
