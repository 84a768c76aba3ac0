package lab

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Topology describes a lab. The default one is built in (Default); a YAML
// file with the same fields overrides it whole.
type Topology struct {
	// Prefix is prepended to every namespace name so that several labs (or
	// tests) can run side by side; `lab exec` takes names without it.
	Prefix  string `yaml:"prefix" json:"prefix"`
	CloudAS uint32 `yaml:"cloud_as" json:"cloud_as"`
	// Service are the anycast addresses every node puts on lo.
	Service []netip.Addr `yaml:"service" json:"service"`
	// Announce are the prefixes nodes announce (covering Service).
	Announce []netip.Prefix `yaml:"announce" json:"announce"`
	Cities   []City         `yaml:"cities" json:"cities"`
	Links    []Link         `yaml:"links" json:"links"`
	Nodes    []string       `yaml:"nodes" json:"nodes"` // city slugs hosting a node
	// BIRDNodes are node cities whose node announces through a BIRD of
	// its own (announce mode bird) with BFD to its router; the others
	// embed GoBGP, which has no BFD and is dropped by the 3 s hold time.
	BIRDNodes []string `yaml:"bird_nodes" json:"bird_nodes,omitempty"`
	Hub       string   `yaml:"hub" json:"hub"` // city slug the (first) hub attaches to
	// MoreHubs are the cities of further hubs, "hub2", "hub3", ... in
	// this order: the hubs replicate their administered state (Raft) and
	// each pulls every zone itself; every node lists every hub.
	MoreHubs []string `yaml:"more_hubs" json:"more_hubs,omitempty"`
	// Monitor is the city of the "noc" host, which runs the monitor apart
	// from the hubs (so a dead hub is noticed); "" runs none.
	Monitor   string    `yaml:"monitor" json:"monitor,omitempty"`
	Primaries []Primary `yaml:"primaries" json:"primaries"`
}

// City is one AS with a router and a client.
type City struct {
	Slug    string  `yaml:"slug" json:"slug"`
	Name    string  `yaml:"name" json:"name"`
	Country string  `yaml:"country" json:"country"`
	Code    string  `yaml:"code" json:"code"` // short code for interface names
	AS      uint32  `yaml:"as" json:"as"`
	Lat     float64 `yaml:"lat" json:"lat"`
	Lon     float64 `yaml:"lon" json:"lon"`
}

// Link is an eBGP adjacency between two city routers.
type Link struct {
	A     string   `yaml:"a" json:"a"`
	B     string   `yaml:"b" json:"b"`
	Delay Duration `yaml:"delay" json:"delay"` // one way
}

// Primary is a client's primary name server for Zone, attached in City.
type Primary struct {
	Zone string `yaml:"zone" json:"zone"` // without the trailing dot, e.g. "sv"
	City string `yaml:"city" json:"city"`
}

// Duration reads "12ms" in YAML.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back as text.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// LoadTopology reads a YAML topology file.
func LoadTopology(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading topology: %w", err)
	}
	var t Topology
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("parsing topology %s: %w", path, err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("topology %s: %w", path, err)
	}
	return &t, nil
}

var slugRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
var codeRE = regexp.MustCompile(`^[a-z0-9]{1,5}$`)

// Validate checks names, limits and that only documentation addresses are
// used.
func (t *Topology) Validate() error {
	if len(t.Cities) == 0 || len(t.Cities) > maxCities {
		return fmt.Errorf("need 1..%d cities (documentation address space), have %d", maxCities, len(t.Cities))
	}
	if t.CloudAS == 0 || len(t.Service) == 0 || len(t.Announce) == 0 {
		return errors.New("cloud_as, service and announce are required")
	}
	if err := t.validateCities(); err != nil {
		return err
	}
	if err := t.validateAttachments(); err != nil {
		return err
	}
	return t.validateAddresses()
}

func (t *Topology) validateCities() error {
	seen, codes, ases := map[string]bool{}, map[string]bool{}, map[uint32]bool{}
	for _, c := range t.Cities {
		if !slugRE.MatchString(c.Slug) || !codeRE.MatchString(c.Code) {
			return fmt.Errorf("city %q: slug must be lower-case letters, digits, '-'; code 1..5 letters/digits", c.Slug)
		}
		if seen[c.Slug] || codes[c.Code] || ases[c.AS] || c.AS == t.CloudAS || c.AS == 0 {
			return fmt.Errorf("city %q: slug, code and AS must be unique and differ from the cloud AS", c.Slug)
		}
		seen[c.Slug], codes[c.Code], ases[c.AS] = true, true, true
	}
	for _, l := range t.Links {
		if !seen[l.A] || !seen[l.B] || l.A == l.B {
			return fmt.Errorf("link %s-%s: unknown or identical cities", l.A, l.B)
		}
	}
	if len(t.Links) > maxLinks {
		return fmt.Errorf("at most %d links", maxLinks)
	}
	return nil
}

func (t *Topology) validateAttachments() error {
	perCity := map[string]int{}
	for _, c := range t.Cities {
		perCity[c.Slug] = 1 // the client
	}
	attach := append([]string{}, t.Nodes...)
	if t.Hub != "" {
		attach = append(attach, t.Hub)
	} else if len(t.MoreHubs) > 0 || t.Monitor != "" {
		return errors.New("more_hubs and monitor need a hub")
	}
	attach = append(attach, t.MoreHubs...)
	if t.Monitor != "" {
		attach = append(attach, t.Monitor)
	}
	if len(t.MoreHubs) > maxMoreHubs {
		return fmt.Errorf("at most %d more hubs", maxMoreHubs)
	}
	for _, p := range t.Primaries {
		if !slugRE.MatchString(p.Zone) {
			return fmt.Errorf("primary zone %q: want a label such as \"sv\"", p.Zone)
		}
		attach = append(attach, p.City)
	}
	if dup := firstDuplicate(t.Nodes); dup != "" {
		return fmt.Errorf("node city %q listed twice", dup)
	}
	for _, b := range t.BIRDNodes {
		if !slices.Contains(t.Nodes, b) {
			return fmt.Errorf("bird node %q is not a node city", b)
		}
	}
	zones := []string{}
	for _, p := range t.Primaries {
		zones = append(zones, p.Zone)
	}
	if dup := firstDuplicate(zones); dup != "" {
		return fmt.Errorf("primary zone %q listed twice", dup)
	}
	for _, slug := range attach {
		n, ok := perCity[slug]
		if !ok {
			return fmt.Errorf("unknown city %q for a node, hub or primary", slug)
		}
		if n >= slotsPerCity {
			return fmt.Errorf("city %q: more than %d hosts attached", slug, slotsPerCity)
		}
		perCity[slug] = n + 1
	}
	return nil
}

func (t *Topology) validateAddresses() error {
	for _, a := range t.Service {
		if !isDocumentation(a) {
			return fmt.Errorf("service address %v is not a documentation address", a)
		}
	}
	for _, p := range t.Announce {
		if !isDocumentation(p.Addr()) {
			return fmt.Errorf("announced prefix %v is not documentation space", p)
		}
	}
	return nil
}

var documentation = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

func isDocumentation(a netip.Addr) bool {
	for _, p := range documentation {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// BIRDNode reports whether city's node announces through its own BIRD.
func (t *Topology) BIRDNode(city string) bool { return slices.Contains(t.BIRDNodes, city) }

// City returns the city with slug.
func (t *Topology) City(slug string) (City, bool) {
	for _, c := range t.Cities {
		if c.Slug == slug {
			return c, true
		}
	}
	return City{}, false
}

func firstDuplicate(list []string) string {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return s
		}
		seen[s] = true
	}
	return ""
}
