package monitor

import (
	"context"
	"sync"
	"time"

	"anycloud/internal/xfr"
)

// target is one server to ask about one zone.
type target struct {
	zone  string
	role  string // primary, hub, node
	name  string
	addrs []string
	key   *xfr.Key
	// local answers instead of the network (the hub's own serial when
	// the monitor runs inside the hub).
	local func(zone string) (uint32, error)
}

// maxInFlight bounds the queries of one round.
const maxInFlight = 64

func targets(cfg Config) []target {
	var ts []target
	for _, zc := range cfg.Zones {
		ts = append(ts, target{zone: zc.Zone, role: "primary", name: "primary", addrs: zc.Primaries, key: zc.key})
		if h := cfg.Hub; h != nil {
			ts = append(ts, target{zone: zc.Zone, role: "hub", name: hubName(h), addrs: h.Addresses, key: h.key, local: cfg.HubSerial})
		}
		for _, n := range cfg.Nodes {
			ts = append(ts, target{zone: zc.Zone, role: "node", name: n.Name, addrs: n.Unicast, key: n.key})
		}
	}
	return ts
}

// querySOAs asks every target over UDP and TCP at each of its addresses,
// in parallel, and returns the results in target order.
func (m *Monitor) querySOAs(ctx context.Context, ts []target, timeout time.Duration) [][]ProbeResult {
	out := make([][]ProbeResult, len(ts))
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	for i, t := range ts {
		if t.local != nil {
			out[i] = []ProbeResult{localSOA(t)}
			continue
		}
		out[i] = make([]ProbeResult, 2*len(t.addrs))
		for j, addr := range t.addrs {
			for k, network := range []string{"udp", "tcp"} {
				wg.Add(1)
				go func(slot *ProbeResult) {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					*slot = probeSOA(ctx, network, addr, t.zone, t.key, timeout)
				}(&out[i][2*j+k])
			}
		}
	}
	wg.Wait()
	return out
}

// localSOA reads the serial the process itself serves (transport "local").
func localSOA(t target) ProbeResult {
	r := ProbeResult{Address: "in-process", Transport: "local"}
	serial, err := t.local(t.zone)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Serial = serial
	return r
}

func probeSOA(ctx context.Context, network, addr, zone string, key *xfr.Key, timeout time.Duration) ProbeResult {
	r := ProbeResult{Address: addr, Transport: network}
	if ctx.Err() != nil {
		r.Error = ctx.Err().Error()
		return r
	}
	a := querySOA(network, hostPort(addr), zone, key, timeout)
	r.Serial, r.NSID, r.Error = a.Serial, a.NSID, a.Err
	r.RTTms = float64(a.RTT) / float64(time.Millisecond)
	if a.Err == "" && a.Expire > 0 {
		r.expire = a.Expire
	}
	return r
}

// applySOAs folds a round's results into the zone states; m.mu held. A
// zone or node removed by Reconfigure during the round is skipped.
func (m *Monitor) applySOAs(ts []target, results [][]ProbeResult, now time.Time) {
	for i, t := range ts {
		z := m.zoneByName(t.zone)
		if z == nil || (t.role == "node" && z.nodes[t.name] == nil) || (t.role == "hub" && z.hub == nil) {
			continue
		}
		switch t.role {
		case "primary":
			z.primary.update(results[i], true, now)
			for _, r := range results[i] {
				if r.expire > 0 && r.Serial == z.primary.serial {
					z.expire = r.expire
				}
			}
		case "hub":
			z.hub.update(results[i], false, now)
		default:
			z.nodes[t.name].update(results[i], false, now)
		}
	}
}

func (m *Monitor) zoneByName(zone string) *zoneState {
	for _, z := range m.zones {
		if z.zone == zone {
			return z
		}
	}
	return nil
}
