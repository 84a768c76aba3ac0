package admin

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/gate"
	"anycloud/internal/hub"
	"anycloud/internal/onboard"
	"anycloud/internal/xfr"
)

// CheckSteps are the steps a check request may name; "all" runs them in
// order.
var CheckSteps = []string{onboard.StepTransfer, onboard.StepResolve, onboard.StepSync, onboard.StepNSInZone, onboard.StepNSInParent}

// RunCheck runs one onboarding check (or "all") for zone and records each
// verdict, unless trialKey is set: a trial with a key not yet adopted says
// nothing about the configured client.
func (a *Admin) RunCheck(ctx context.Context, zone, step string, trialKey *xfr.Key) ([]*onboard.Report, error) {
	zone = dns.CanonicalName(zone)
	c, ok := hub.ClientZones(a.h.Config())[zone]
	if !ok {
		return nil, fmt.Errorf("%s is not a client zone of this hub (add it with 'anycloud client add')", zone)
	}
	steps := []string{step}
	if step == "all" {
		steps = CheckSteps
	}
	var out []*onboard.Report
	for _, s := range steps {
		r, err := a.runStep(ctx, zone, s, c, trialKey)
		if err != nil {
			return nil, err
		}
		if trialKey == nil {
			a.recordStep(zone, stepFromReport(r))
		} else {
			r.Todo = "this trial used a key given on the command line, not the client's configured key; nothing was recorded"
		}
		out = append(out, r)
	}
	return out, nil
}

func (a *Admin) runStep(ctx context.Context, zone, step string, c hub.Client, trialKey *xfr.Key) (*onboard.Report, error) {
	cfg := a.h.Config()
	key := c.Key
	if trialKey != nil {
		key = trialKey
	}
	cloud := onboard.CloudNS{Names: cfg.Onboarding.CloudNSNames(), Addresses: serviceIPs(cfg)}
	switch step {
	case onboard.StepTransfer:
		return onboard.RunTransfer(ctx, onboard.TransferTrial{Zone: zone, Primaries: c.Primaries, Key: key, Timeout: cfg.Timeout,
			Current: a.h.Current(zone), Gate: gate.Policy{MaxShrink: cfg.MaxShrink, SkipBuild: !cfg.EngineCheck, AcceptSame: true, Size: a.h.SizePolicy(zone, c)},
			Notify: a.lastNotify(zone)}), nil
	case onboard.StepResolve:
		return onboard.RunResolve(ctx, onboard.ResolveTrial{Zone: zone, Primary: c.Primaries[0], Targets: a.resolveTargets(cfg),
			Version: a.h.Current(zone), Timeout: checkTimeout}), nil
	case onboard.StepSync:
		return onboard.RunSync(ctx, onboard.SyncCheck{Zone: zone, Primaries: c.Primaries, Key: key, Nodes: a.nodeTargets(cfg), Timeout: checkTimeout}), nil
	case onboard.StepNSInZone:
		return onboard.NSInZone(ctx, zone, c.Primaries, cloud, checkTimeout), nil
	case onboard.StepNSInParent:
		return onboard.NSInParent(ctx, zone, cfg.Onboarding.RootServers, cloud, checkTimeout), nil
	}
	return nil, fmt.Errorf("unknown check %q (one of %v or all)", step, CheckSteps)
}

// checkTimeout bounds each query of a check.
const checkTimeout = 2 * time.Second

// nodeTargets are every node's unicast addresses: those the monitor
// section lists for it (IPv4 and IPv6), else those `node add` recorded,
// else its transfer address.
func (a *Admin) nodeTargets(cfg *hub.Config) []onboard.Target {
	unicast := map[string][]string{}
	for name, site := range a.h.NodeSites() {
		unicast[name] = site.Unicast
	}
	if cfg.Monitor != nil {
		for _, n := range cfg.Monitor.Base.Nodes {
			if len(n.Unicast) > 0 {
				unicast[n.Name] = n.Unicast
			}
		}
	}
	var out []onboard.Target
	for _, n := range cfg.Nodes {
		addrs := unicast[n.Name]
		if len(addrs) == 0 {
			addrs = []string{n.Address}
		}
		for _, a := range addrs {
			out = append(out, onboard.Target{Name: n.Name, Addr: withPort53(a)})
		}
	}
	return out
}

// withPort53 adds the DNS port to an address given without one.
func withPort53(a string) string {
	if _, _, err := net.SplitHostPort(a); err == nil {
		return a
	}
	return net.JoinHostPort(strings.Trim(a, "[]"), "53")
}

// resolveTargets are every node's unicast address and every anycast
// service address.
func (a *Admin) resolveTargets(cfg *hub.Config) []onboard.Target {
	out := a.nodeTargets(cfg)
	for _, a := range cfg.Onboarding.Service {
		out = append(out, onboard.Target{Name: "anycast", Addr: a.String()})
	}
	return out
}

func serviceIPs(cfg *hub.Config) []netip.Addr {
	var out []netip.Addr
	for _, a := range cfg.Onboarding.Service {
		out = append(out, a.Addr())
	}
	return out
}
