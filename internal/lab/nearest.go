package lab

import "sort"

// NearestNodes predicts which nodes a city's client reaches: the node
// cities at the fewest AS hops (BGP prefers the shortest AS path; nodes all
// announce without prepends), skipping the node cities in down. More than
// one result means a tie that BGP breaks by router id, so tests only assert
// unique predictions.
func (t *Topology) NearestNodes(from string, down map[string]bool) []string {
	dist := t.hops(from)
	best, out := -1, []string(nil)
	for _, n := range t.Nodes {
		d, ok := dist[n]
		if down[n] || !ok {
			continue
		}
		switch {
		case best < 0 || d < best:
			best, out = d, []string{"node-" + n}
		case d == best:
			out = append(out, "node-"+n)
		}
	}
	sort.Strings(out)
	return out
}

// hops is a breadth-first search over the router links.
func (t *Topology) hops(from string) map[string]int {
	adj := map[string][]string{}
	for _, l := range t.Links {
		adj[l.A] = append(adj[l.A], l.B)
		adj[l.B] = append(adj[l.B], l.A)
	}
	dist := map[string]int{from: 0}
	queue := []string{from}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, n := range adj[c] {
			if _, seen := dist[n]; !seen {
				dist[n] = dist[c] + 1
				queue = append(queue, n)
			}
		}
	}
	return dist
}
