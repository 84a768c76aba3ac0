package lab

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Status is what `lab status` shows: every host with its addresses, every
// node with its announcement state as its router sees it, and for every
// city the node that answers its client.
type Status struct {
	Prefix    string          `json:"prefix"`
	StateDir  string          `json:"state_dir"`
	Started   time.Time       `json:"started"`
	Hosts     []HostStatus    `json:"hosts"`
	Nodes     []NodeStatus    `json:"nodes"`
	Cities    []CityStatus    `json:"cities"`
	Processes []ProcessStatus `json:"processes"`
}

// HostStatus is one lab host.
type HostStatus struct {
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Role      string   `json:"role"`
	City      string   `json:"city,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
}

// NodeStatus is one node as its city router sees it.
type NodeStatus struct {
	Name       string            `json:"name"`
	City       string            `json:"city"`
	Unicast    []string          `json:"unicast"`
	Announcing bool              `json:"announcing"` // the router holds a route from it for every announced prefix
	Sessions   map[string]string `json:"sessions"`   // router's BGP protocol -> state
	Prefixes   []string          `json:"prefixes,omitempty"`
	// State and Reason are what the node's announcer reports (announced,
	// withdrawn, drained, and why); Fault is what `lab fail` applied.
	State  string `json:"state,omitempty"`
	Reason string `json:"reason,omitempty"`
	Fault  string `json:"fault,omitempty"`
}

// CityStatus says who answers a city's client.
type CityStatus struct {
	Slug     string  `json:"slug"`
	Name     string  `json:"name"`
	AS       uint32  `json:"as"`
	Path     string  `json:"as_path,omitempty"` // the router's best AS path to the first service address
	Answers  []Probe `json:"answers"`
	Answerer string  `json:"answered_by,omitempty"` // the node answering over IPv4 UDP
}

// ProcessStatus is one recorded process.
type ProcessStatus struct {
	Name  string `json:"name"`
	PID   int    `json:"pid"`
	Alive bool   `json:"alive"`
}

// GetStatus gathers the status of the lab in stateDir. Probes run from
// every city in parallel, each bounded by probeTimeout; cloud (may be nil)
// tells where nodes report their own state.
func GetStatus(ctx context.Context, stateDir string, probeTimeout time.Duration, cloud Cloud) (*Status, error) {
	st, err := LoadState(stateDir)
	if err != nil {
		return nil, err
	}
	s := &Status{Prefix: st.Prefix, StateDir: st.Dir, Started: st.Started}
	for _, h := range st.Plan.Hosts {
		s.Hosts = append(s.Hosts, HostStatus{Name: h.Name, Namespace: h.Namespace, Role: h.Role, City: h.City, Addresses: addrStrings(h.Addresses)})
	}
	for _, p := range st.Processes {
		s.Processes = append(s.Processes, ProcessStatus{Name: p.Name, PID: p.PID, Alive: p.alive()})
	}
	s.Nodes = nodeStatuses(ctx, st)
	for i := range s.Nodes {
		n := &s.Nodes[i]
		n.Fault = st.Faults[n.Name]
		if h, ok := st.Plan.Host(n.Name); ok && cloud != nil {
			n.State, n.Reason = NodeState(h.Namespace, cloud.NodeStatusURL(st.Plan, h), probeTimeout)
		}
	}
	s.Cities = cityStatuses(ctx, st, probeTimeout)
	return s, nil
}

func nodeStatuses(ctx context.Context, st *State) []NodeStatus {
	var out []NodeStatus
	for _, a := range st.Plan.Access {
		if !a.BGP {
			continue
		}
		n := NodeStatus{Name: a.Host, City: a.City, Unicast: []string{a.Host4.Addr().String(), a.Host6.Addr().String()}, Sessions: map[string]string{}}
		router := "router-" + a.City
		if out, err := birdc(ctx, st.Dir, router, "show", "protocols"); err == nil {
			for _, p := range parseProtocols(out) {
				if p.isNode() {
					n.Sessions[p.Name] = strings.TrimSpace(p.State + " " + p.Info)
				}
			}
		}
		n.Announcing = len(st.Plan.Topology.Announce) > 0
		for _, pr := range st.Plan.Topology.Announce {
			out, err := birdc(ctx, st.Dir, router, "show", "route", pr.String(), "protocol", "node"+familyDigit(pr.Addr()))
			if err == nil && strings.Contains(out, pr.String()) {
				n.Prefixes = append(n.Prefixes, pr.String())
			} else {
				n.Announcing = false
			}
		}
		out = append(out, n)
	}
	return out
}

func cityStatuses(ctx context.Context, st *State, timeout time.Duration) []CityStatus {
	topo := st.Plan.Topology
	out := make([]CityStatus, len(topo.Cities))
	var wg sync.WaitGroup
	for i, c := range topo.Cities {
		out[i] = CityStatus{Slug: c.Slug, Name: c.Name, AS: c.AS}
		if len(topo.Service) > 0 {
			out[i].Path = bestPathFor(ctx, st.Dir, "router-"+c.Slug, topo.Service[0].String())
		}
		client, _ := st.Plan.Host(c.Slug)
		wg.Add(1)
		go func(cs *CityStatus) {
			defer wg.Done()
			for _, addr := range topo.Service {
				cs.Answers = append(cs.Answers, ProbeFrom(client.Namespace, addr, "udp", timeout))
			}
			if len(cs.Answers) > 0 {
				cs.Answerer = cs.Answers[0].Node
			}
		}(&out[i])
	}
	wg.Wait()
	return out
}

func familyDigit(a netip.Addr) string {
	if a.Is4() {
		return "4"
	}
	return "6"
}

func addrStrings(list []netip.Addr) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return out
}

// WriteText prints the status as tables.
func (s *Status) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "lab %q up since %s (state %s)\n\n", s.Prefix, s.Started.Format(time.RFC3339), s.StateDir)
	fmt.Fprintln(tw, "CITY\tAS\tANSWERED BY\tRTT\tAS PATH AT ROUTER\tOTHER PROBES")
	for _, c := range s.Cities {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", c.Slug, c.AS, orDash(c.Answerer), firstRTT(c.Answers), orDash(c.Path), otherProbes(c.Answers))
	}
	fmt.Fprintln(tw, "\nNODE\tCITY\tROUTER HAS ROUTE\tNODE SAYS\tFAULT\tSESSIONS\tUNICAST")
	for _, n := range s.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\n", n.Name, n.City, n.Announcing, orDash(n.State), orDash(n.Fault),
			sessions(n.Sessions), strings.Join(n.Unicast, " "))
	}
	for _, n := range s.Nodes {
		if n.Reason != "" && n.State != "announced" {
			fmt.Fprintf(tw, "  %s: %s\n", n.Name, n.Reason)
		}
	}
	fmt.Fprintln(tw, "\nHOST\tROLE\tNAMESPACE\tADDRESSES")
	for _, h := range s.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Name, h.Role, h.Namespace, strings.Join(h.Addresses, " "))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstRTT(p []Probe) string {
	if len(p) == 0 || p[0].Error != "" {
		return "-"
	}
	return p[0].RTT.Round(100 * time.Microsecond).String()
}

func otherProbes(p []Probe) string {
	var parts []string
	for i, x := range p {
		if i == 0 {
			if x.Error != "" {
				parts = append(parts, x.Target+": "+x.Error)
			}
			continue
		}
		if x.Error != "" {
			parts = append(parts, x.Target+": "+x.Error)
		} else {
			parts = append(parts, fmt.Sprintf("%s: %s %s", x.Target, x.Node, x.RTT.Round(100*time.Microsecond)))
		}
	}
	return strings.Join(parts, "; ")
}

func sessions(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}
