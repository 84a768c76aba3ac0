package lab

import (
	"fmt"
	"net/netip"
	"time"
)

// Address plan limits: each city gets a /27 of 203.0.113.0/24 cut into /30
// access links, and inter-router links use /30s from 192.0.2.128/25.
const (
	maxCities    = 8
	slotsPerCity = 8
	maxLinks     = 32
	// maxMoreHubs keeps the hubs within the node's limit of 8.
	maxMoreHubs = 7
)

// Roles of lab hosts.
const (
	RoleRouter  = "router"
	RoleClient  = "client"
	RoleNode    = "node"
	RoleHub     = "hub"
	RolePrimary = "primary"
	// RoleRoot serves the lab's own root zone, which delegates the client
	// zones to the cloud's name server (onboarding checks the parent).
	RoleRoot  = "root"
	RoleRelay = "relay"
	// RoleMonitor is the "noc" host: the monitor, apart from the hubs.
	RoleMonitor = "monitor"
)

// Host is one network namespace of the lab.
type Host struct {
	Name      string       `json:"name"`      // lab name: "santiago", "node-sao-paulo", "router-santiago", "hub", "primary-sv"
	Namespace string       `json:"namespace"` // ip netns name (prefix + name)
	Role      string       `json:"role"`
	City      string       `json:"city,omitempty"`
	Addresses []netip.Addr `json:"addresses,omitempty"`
	// Gateway4/6 are the host's default routes (its city router); none for routers.
	Gateway4 netip.Addr `json:"gateway4,omitzero"`
	Gateway6 netip.Addr `json:"gateway6,omitzero"`
}

// Plan is the topology resolved to namespaces, interfaces and addresses.
type Plan struct {
	Topology    *Topology    `json:"topology"`
	Hosts       []Host       `json:"hosts"`
	RouterLinks []RouterLink `json:"router_links"`
	Access      []Access     `json:"access"`
}

// RouterLink is an inter-router link: A's interface faces B and the other
// way, each carried through the relay namespace when Delay > 0.
type RouterLink struct {
	A, B     string // city slugs
	IfA, IfB string // interface names in the router namespaces
	RelayA   string // relay-side peer of IfA
	RelayB   string // relay-side peer of IfB
	A4, B4   netip.Prefix
	A6, B6   netip.Prefix
	Delay    time.Duration
}

// Access attaches a host to its city router with a plain veth pair.
type Access struct {
	City           string
	Host           string // lab host name
	RouterIf       string
	HostIf         string
	Router4, Host4 netip.Prefix
	Router6, Host6 netip.Prefix
	BGP            bool // the host is a node and peers with the router
}

// NewPlan resolves t. It is deterministic: the same topology always gives
// the same addresses.
func NewPlan(t *Topology) (*Plan, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{Topology: t}
	p.Hosts = append(p.Hosts, Host{Name: "relay", Role: RoleRelay})
	for i, c := range t.Cities {
		p.Hosts = append(p.Hosts, Host{Name: "router-" + c.Slug, Role: RoleRouter, City: c.Slug,
			Addresses: []netip.Addr{routerID(i)}})
	}
	for k, l := range t.Links {
		p.RouterLinks = append(p.RouterLinks, p.routerLink(k, l))
	}
	p.attachAll()
	for i := range p.Hosts {
		p.Hosts[i].Namespace = t.Prefix + p.Hosts[i].Name
	}
	return p, nil
}

func (p *Plan) routerLink(k int, l Link) RouterLink {
	a, _ := p.Topology.City(l.A)
	b, _ := p.Topology.City(l.B)
	base4 := netip.AddrFrom4([4]byte{192, 0, 2, byte(128 + 4*k)})
	v6 := func(host int) netip.Prefix {
		return netip.MustParsePrefix(fmt.Sprintf("2001:db8:ffff:%x::%d/64", k, host))
	}
	return RouterLink{
		A: l.A, B: l.B, IfA: "to-" + b.Code, IfB: "to-" + a.Code,
		RelayA: a.Code + "-" + b.Code, RelayB: b.Code + "-" + a.Code,
		A4: netip.PrefixFrom(nth(base4, 1), 30), B4: netip.PrefixFrom(nth(base4, 2), 30),
		A6: v6(1), B6: v6(2), Delay: time.Duration(l.Delay),
	}
}

// attachAll gives every city's client, then nodes, hub, primaries, root,
// further hubs and the noc an access slot in their city, in that order
// (hosts added later never move the addresses of earlier ones).
func (p *Plan) attachAll() {
	t := p.Topology
	slots := map[string]int{}
	attach := func(city, name, role, ifname string, bgp bool) {
		p.attach(city, slots[city], name, role, ifname, bgp)
		slots[city]++
	}
	for _, c := range t.Cities {
		attach(c.Slug, c.Slug, RoleClient, "client", false)
	}
	for _, n := range t.Nodes {
		attach(n, "node-"+n, RoleNode, "node", true)
	}
	if t.Hub != "" {
		attach(t.Hub, "hub", RoleHub, "hub", false)
	}
	for _, pr := range t.Primaries {
		attach(pr.City, "primary-"+pr.Zone, RolePrimary, "pri-"+pr.Zone, false)
	}
	if t.Hub != "" {
		attach(t.Hub, "root", RoleRoot, "root", false)
	}
	for i, city := range t.MoreHubs {
		name := fmt.Sprintf("hub%d", i+2)
		attach(city, name, RoleHub, name, false)
	}
	if t.Monitor != "" {
		attach(t.Monitor, "noc", RoleMonitor, "noc", false)
	}
}

func (p *Plan) attach(city string, slot int, name, role, ifname string, bgp bool) {
	ci := p.cityIndex(city)
	base4 := netip.AddrFrom4([4]byte{203, 0, 113, byte(32*ci + 4*slot)})
	v6 := func(host int) netip.Prefix {
		return netip.MustParsePrefix(fmt.Sprintf("2001:db8:c%d:%x::%d/64", ci, slot, host))
	}
	a := Access{City: city, Host: name, RouterIf: ifname, HostIf: "eth0",
		Router4: netip.PrefixFrom(nth(base4, 1), 30), Host4: netip.PrefixFrom(nth(base4, 2), 30),
		Router6: v6(1), Host6: v6(2), BGP: bgp}
	p.Access = append(p.Access, a)
	h := Host{Name: name, Role: role, City: city, Addresses: []netip.Addr{a.Host4.Addr(), a.Host6.Addr()},
		Gateway4: a.Router4.Addr(), Gateway6: a.Router6.Addr()}
	if role == RoleNode {
		h.Addresses = append(h.Addresses, p.Topology.Service...)
	}
	p.Hosts = append(p.Hosts, h)
}

func (p *Plan) cityIndex(slug string) int {
	for i, c := range p.Topology.Cities {
		if c.Slug == slug {
			return i
		}
	}
	return -1
}

// Host returns the host with lab name.
func (p *Plan) Host(name string) (Host, bool) {
	for _, h := range p.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return Host{}, false
}

// AccessFor returns the access link of host name.
func (p *Plan) AccessFor(name string) (Access, bool) {
	for _, a := range p.Access {
		if a.Host == name {
			return a, true
		}
	}
	return Access{}, false
}

func routerID(cityIndex int) netip.Addr {
	return netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + cityIndex)})
}

func nth(a netip.Addr, n int) netip.Addr {
	for i := 0; i < n; i++ {
		a = a.Next()
	}
	return a
}
