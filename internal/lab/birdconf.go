package lab

import (
	"fmt"
	"strings"
	"text/template"
)

// routerTemplate is a city router: direct routes of its links exported into
// BGP with origin IGP, everything learned installed into the namespace's
// kernel table, timers short enough for sub-second-to-seconds failover,
// nodes accepted only for the announced prefixes, GRACEFUL_SHUTDOWN
// honoured from every neighbour as RFC 8326 section 4 asks (local
// preference 0, so a draining node's traffic moves while its route still
// exists), and BFD with the nodes that speak it (those announcing through
// a BIRD of their own), so a silent one is dropped in 300 ms instead of
// the 3 s hold time.
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

filter honour_gshut {
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	accept;
}
{{range .NodeFilters}}
filter {{.Name}} {
	if ! (net ~ [ {{.Prefixes}} ]) then reject;
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	accept;
}
{{end}}{{if .BFD}}
protocol bfd {
	interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
}
{{end}}
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
	passive on;{{end}}{{if .BFD}}
	bfd on;{{end}}
	{{.Family}} { import {{.Import}}; export {{.Export}}; };
}
{{end}}`))

type routerConf struct {
	City        City
	RouterID    string
	Dir         string
	Neighbors   []neighbor
	NodeFilters []nodeFilter
	BFD         bool // some neighbour runs BFD
}

type neighbor struct {
	Name, Description, Address, Family, Import, Export string
	AS                                                 uint32
	Passive, BFD                                       bool
}

// nodeFilter accepts the announced prefixes of one family from a node.
type nodeFilter struct{ Name, Prefixes string }

// RouterConfig renders the BIRD configuration of city's router; dir holds
// its log.
func (p *Plan) RouterConfig(city, dir string) (string, error) {
	ci := p.cityIndex(city)
	if ci < 0 {
		return "", fmt.Errorf("unknown city %q", city)
	}
	rc := routerConf{City: p.Topology.Cities[ci], RouterID: routerID(ci).String(), Dir: dir}
	rc.Neighbors = append(p.routerNeighbors(city), p.nodeNeighbors(city)...)
	for _, fam := range []string{"ipv4", "ipv6"} {
		if list := p.announced(fam); len(list) > 0 {
			rc.NodeFilters = append(rc.NodeFilters, nodeFilter{Name: "from_node" + fam[2:], Prefixes: strings.Join(list, ", ")})
		}
	}
	for _, n := range rc.Neighbors {
		rc.BFD = rc.BFD || n.BFD
	}
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
				AS: oc.AS, Family: fam.fam, Import: "filter honour_gshut", Export: "filter to_bgp"})
		}
	}
	return out
}

// nodeNeighbors are passive: nodes dial out (they do not listen on 179).
// BFD runs only with nodes that announce through BIRD: GoBGP has none.
func (p *Plan) nodeNeighbors(city string) []neighbor {
	var out []neighbor
	for _, a := range p.Access {
		if a.City != city || !a.BGP {
			continue
		}
		bfd := p.Topology.BIRDNode(city)
		out = append(out,
			neighbor{Name: "node4", Description: a.Host, Address: a.Host4.Addr().String(), AS: p.Topology.CloudAS,
				Family: "ipv4", Import: p.nodeImport("ipv4"), Export: "none", Passive: true, BFD: bfd},
			neighbor{Name: "node6", Description: a.Host, Address: a.Host6.Addr().String(), AS: p.Topology.CloudAS,
				Family: "ipv6", Import: p.nodeImport("ipv6"), Export: "none", Passive: true, BFD: bfd})
	}
	return out
}

// nodeImport accepts from a node only the announced prefixes (and more
// specifics), as a real upstream would, honouring GRACEFUL_SHUTDOWN.
func (p *Plan) nodeImport(fam string) string {
	if len(p.announced(fam)) == 0 {
		return "none"
	}
	return "filter from_node" + fam[2:]
}

func (p *Plan) announced(fam string) []string {
	var list []string
	for _, pr := range p.Topology.Announce {
		if (fam == "ipv4") == pr.Addr().Is4() {
			list = append(list, pr.String()+"+")
		}
	}
	return list
}
