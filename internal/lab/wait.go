package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// pollUntil calls check every 200 ms until it returns "" (done) or timeout
// passes; the last non-empty answer says what was still missing.
func pollUntil(ctx context.Context, timeout time.Duration, check func(context.Context) string) error {
	deadline := time.Now().Add(timeout)
	for {
		missing := check(ctx)
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v: %s", timeout, missing)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (b *builder) waitRouterSessions(ctx context.Context) error {
	return pollUntil(ctx, b.opts.WaitTimeout, func(ctx context.Context) string {
		var missing []string
		for _, c := range b.plan.Topology.Cities {
			out, err := birdc(ctx, b.st.Dir, "router-"+c.Slug, "show", "protocols")
			if err != nil {
				missing = append(missing, err.Error())
				continue
			}
			for _, p := range parseProtocols(out) {
				if p.Proto == "BGP" && !p.isNode() && !p.established() {
					missing = append(missing, c.Slug+"/"+p.Name+" "+p.Info)
				}
			}
		}
		return strings.Join(missing, ", ")
	})
}

// waitAnnouncements waits until every router has a route to every
// announced prefix (only when nodes were started).
func (b *builder) waitAnnouncements(ctx context.Context) error {
	if !b.nodesStarted {
		return nil
	}
	return pollUntil(ctx, b.opts.WaitTimeout, func(ctx context.Context) string {
		var missing []string
		for _, c := range b.plan.Topology.Cities {
			for _, pr := range b.plan.Topology.Announce {
				ok, _, err := hasRoute(ctx, b.st.Dir, "router-"+c.Slug, pr.String())
				if err != nil || !ok {
					missing = append(missing, c.Slug+" lacks "+pr.String())
				}
			}
		}
		return strings.Join(missing, ", ")
	})
}

// waitServed waits until every city's client is answered at every service
// address by a node it may reach: its nearest node by AS path (any of them
// on a tie). Only when a Cloud runs DNS in the lab.
func (b *builder) waitServed(ctx context.Context) error {
	if b.opts.Cloud == nil || !b.nodesStarted {
		return nil
	}
	topo := b.plan.Topology
	return pollUntil(ctx, b.opts.WaitTimeout, func(context.Context) string {
		var missing []string
		for _, c := range topo.Cities {
			client, _ := b.plan.Host(c.Slug)
			want := topo.NearestNodes(c.Slug, nil)
			for _, addr := range topo.Service {
				p := ProbeFrom(client.Namespace, addr, "udp", 500*time.Millisecond)
				if !slices.Contains(want, p.Node) {
					missing = append(missing, fmt.Sprintf("%s: %s answered by %q (%s), want %v", c.Slug, addr, p.Node, p.Error, want))
				}
			}
		}
		return strings.Join(missing, ", ")
	})
}
