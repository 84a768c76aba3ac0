package lab

import (
	"context"
	"fmt"
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

// waitServed waits until every city's client is answered (WaitServed).
func (b *builder) waitServed(ctx context.Context) error {
	if !b.opts.WaitServed || len(b.plan.Topology.Service) == 0 {
		return nil
	}
	addr := b.plan.Topology.Service[0]
	return pollUntil(ctx, b.opts.WaitTimeout, func(context.Context) string {
		var missing []string
		for _, c := range b.plan.Topology.Cities {
			client, _ := b.plan.Host(c.Slug)
			if p := ProbeFrom(client.Namespace, addr, "udp", 500*time.Millisecond); p.Node == "" {
				missing = append(missing, c.Slug+": "+p.Error)
			}
		}
		return strings.Join(missing, ", ")
	})
}
