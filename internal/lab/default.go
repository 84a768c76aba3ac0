package lab

import (
	"net/netip"
	"time"
)

// Default is the built-in topology. The slugs, the service addresses and
// the node cities are part of the interface (issue "anycast").
//
// Links follow geography and submarine/terrestrial routes; one-way delays are
// rounded from great-circle distance at ~2/3 c plus routing detours. The
// link set gives every city a unique nearest node by AS-path length
// (checked in tests), and when node-mexico-city or node-sao-paulo fails the
// next nearest is unique too.
func Default() *Topology {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	return &Topology{
		Prefix:  "ac-",
		CloudAS: 64500,
		Service: []netip.Addr{netip.MustParseAddr("198.51.100.53"), netip.MustParseAddr("2001:db8:53::53")},
		// Every node announces exactly the two service addresses.
		Announce: []netip.Prefix{
			netip.MustParsePrefix("198.51.100.53/32"),
			netip.MustParsePrefix("2001:db8:53::53/128"),
		},
		Cities: []City{
			{Slug: "santiago", Name: "Santiago", Country: "CL", Code: "scl", AS: 64501, Lat: -33.45, Lon: -70.67},
			{Slug: "sao-paulo", Name: "São Paulo", Country: "BR", Code: "gru", AS: 64502, Lat: -23.55, Lon: -46.63},
			{Slug: "san-jose", Name: "San José", Country: "CR", Code: "sjo", AS: 64503, Lat: 9.93, Lon: -84.08},
			{Slug: "santo-domingo", Name: "Santo Domingo", Country: "DO", Code: "sdq", AS: 64504, Lat: 18.49, Lon: -69.93},
			{Slug: "mexico-city", Name: "Mexico City", Country: "MX", Code: "mex", AS: 64505, Lat: 19.43, Lon: -99.13},
			{Slug: "bogota", Name: "Bogotá", Country: "CO", Code: "bog", AS: 64506, Lat: 4.71, Lon: -74.07},
		},
		Links: []Link{
			{A: "mexico-city", B: "san-jose", Delay: ms(12)},
			{A: "mexico-city", B: "santo-domingo", Delay: ms(18)},
			{A: "san-jose", B: "bogota", Delay: ms(8)},
			{A: "santo-domingo", B: "bogota", Delay: ms(10)},
			{A: "bogota", B: "santiago", Delay: ms(22)},
			{A: "santiago", B: "sao-paulo", Delay: ms(14)},
		},
		Nodes: []string{"mexico-city", "santo-domingo", "sao-paulo"},
		// Mexico City's node (the one the failover tests break) drives a
		// BIRD of its own with BFD; the others embed GoBGP.
		BIRDNodes: []string{"mexico-city"},
		Hub:       "sao-paulo",
		// Three hubs in three cities, so that with one down a majority
		// still makes administrative changes (node drain); the monitor
		// runs in San José's "noc", apart from every hub.
		MoreHubs: []string{"bogota", "santiago"},
		Monitor:  "san-jose",
		Primaries: []Primary{
			{Zone: "sv", City: "san-jose"},
			{Zone: "do", City: "santo-domingo"},
			{Zone: "gt", City: "mexico-city"},
		},
	}
}
