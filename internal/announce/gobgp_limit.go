package announce

import (
	"context"
	"time"

	api "github.com/osrg/gobgp/v4/api"
)

// reopenLimited re-enables sessions that GoBGP closed for exceeding their
// prefix limit. GoBGP leaves such a peer administratively down for good;
// a node that lost an upstream forever because it once misbehaved would
// carry less traffic than it should, so the session is tried again after
// the peer's MaxPrefixRestart. Each try costs at most MaxPrefixes routes
// (plus one UPDATE) of memory, dropped when the session closes again.
func (g *gobgpSpeaker) reopenLimited(ctx context.Context) {
	defer close(g.done)
	restart := make(map[string]time.Duration, len(g.cfg.Peers))
	for _, p := range g.cfg.Peers {
		restart[p.Address.String()] = p.MaxPrefixRestart
	}
	since := map[string]time.Time{} // peer address -> when seen closed
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		limited := map[string]bool{}
		err := g.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
			if p.GetState().GetAdminState() == api.PeerState_ADMIN_STATE_PFX_CT {
				limited[p.GetConf().GetNeighborAddress()] = true
			}
		})
		if err != nil {
			continue
		}
		for addr := range since {
			if !limited[addr] {
				delete(since, addr)
			}
		}
		for addr := range limited {
			first, ok := since[addr]
			if !ok {
				since[addr] = now
				g.log.Warn("BGP session closed: the peer sent more prefixes than max-prefixes", "peer", addr, "retry-in", restart[addr])
				continue
			}
			if now.Sub(first) >= restart[addr] {
				g.log.Info("BGP session reopened after a prefix limit", "peer", addr)
				if err := g.srv.EnablePeer(ctx, &api.EnablePeerRequest{Address: addr}); err != nil {
					g.log.Warn("reopening BGP session", "peer", addr, "err", err)
				}
				delete(since, addr)
			}
		}
	}
}
