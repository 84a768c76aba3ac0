package announce

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// gobgpSpeaker embeds a GoBGP server. It never starts GoBGP's gRPC API:
// the process is the only client.
type gobgpSpeaker struct {
	cfg    Config
	log    *slog.Logger
	srv    *server.BgpServer
	cancel context.CancelFunc // stops reopenLimited
	done   chan struct{}
}

func newGoBGPSpeaker(cfg Config, log *slog.Logger) *gobgpSpeaker {
	return &gobgpSpeaker{cfg: cfg, log: log.With("speaker", "gobgp")}
}

func (g *gobgpSpeaker) start(ctx context.Context) error {
	g.srv = server.NewBgpServer(server.LoggerOption(g.log, nil))
	go g.srv.Serve()
	if err := g.srv.StartBgp(ctx, &api.StartBgpRequest{Global: g.global()}); err != nil {
		g.srv.Stop()
		return fmt.Errorf("starting gobgp: %w", err)
	}
	if err := g.installPolicy(ctx); err != nil {
		g.srv.Stop()
		return err
	}
	for _, p := range g.cfg.Peers {
		if err := g.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: apiPeer(g.cfg.LocalAS, p)}); err != nil {
			g.srv.Stop()
			return fmt.Errorf("adding peer %v: %w", p.Address, err)
		}
	}
	rctx, cancel := context.WithCancel(context.Background())
	g.cancel, g.done = cancel, make(chan struct{})
	go g.reopenLimited(rctx)
	return nil
}

func (g *gobgpSpeaker) global() *api.Global {
	port := g.cfg.ListenPort
	if port == 0 {
		port = -1 // GoBGP: do not listen; sessions are dialed out
	}
	return &api.Global{Asn: g.cfg.LocalAS, RouterId: g.cfg.RouterID.String(), ListenPort: port}
}

func apiPeer(localAS uint32, p Peer) *api.Peer {
	peer := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: p.Address.String(), PeerAsn: p.AS, LocalAsn: localAS},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime:          uint64(p.HoldTime / time.Second),
			KeepaliveInterval: uint64(p.Keepalive / time.Second),
			ConnectRetry:      uint64(p.ConnectRetry / time.Second),
			// Send updates at once: the default 30 s eBGP advertisement
			// interval would delay re-announcing after recovery.
			MinimumAdvertisementInterval: 0,
			IdleHoldTimeAfterReset:       1,
		}},
		Transport: &api.Transport{PassiveMode: p.Passive},
	}
	peer.Conf.AuthPassword = p.Password
	switch {
	case p.TTLSecurity:
		// GoBGP refuses multihop with GTSM: packets leave with TTL 255
		// anyway, and Multihop only lowers the TTL accepted.
		peer.TtlSecurity = &api.TtlSecurity{Enabled: true, TtlMin: uint32(gtsmMinTTL(p.Multihop))}
	case p.Multihop > 0:
		peer.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(p.Multihop)}
	}
	if p.LocalAddress.IsValid() {
		peer.Transport.LocalAddress = p.LocalAddress.String()
	}
	for _, f := range p.Families {
		peer.AfiSafis = append(peer.AfiSafis, &api.AfiSafi{
			Config: &api.AfiSafiConfig{Family: apiFamily(f), Enabled: true},
			// The hard bound on what a peer can make GoBGP hold: its
			// Adj-RIB-In keeps even rejected routes.
			PrefixLimits: &api.PrefixLimit{Family: apiFamily(f), MaxPrefixes: p.MaxPrefixes},
		})
	}
	return peer
}

// gtsmMinTTL is the lowest TTL accepted with GTSM: 255 from a directly
// connected peer, one less for each further hop.
func gtsmMinTTL(multihop uint8) uint8 {
	if multihop <= 1 {
		return 255
	}
	return 255 - (multihop - 1)
}

func apiFamily(f Family) *api.Family {
	if f == IPv6 {
		return &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
	}
	return &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
}

func (g *gobgpSpeaker) announce(_ context.Context, prefixes []Prefix) error {
	paths, err := g.paths(prefixes)
	if err != nil {
		return err
	}
	if _, err := g.srv.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
		return fmt.Errorf("announcing: %w", err)
	}
	return nil
}

func (g *gobgpSpeaker) withdraw(_ context.Context, prefixes []Prefix) error {
	paths, err := g.paths(prefixes)
	if err != nil {
		return err
	}
	for _, p := range paths {
		p.Withdrawal = true
	}
	if err := g.srv.DeletePath(apiutil.DeletePathRequest{Paths: paths}); err != nil {
		return fmt.Errorf("withdrawing: %w", err)
	}
	return nil
}

func (g *gobgpSpeaker) paths(prefixes []Prefix) ([]*apiutil.Path, error) {
	out := make([]*apiutil.Path, 0, len(prefixes))
	for _, p := range prefixes {
		path, err := buildPath(g.cfg.LocalAS, p)
		if err != nil {
			return nil, err
		}
		out = append(out, path)
	}
	return out, nil
}

// buildPath makes the locally originated route: origin IGP, the prepends as
// extra copies of the local AS (GoBGP adds the one on export), the
// communities, and an unspecified next hop, which GoBGP replaces with the
// session's local address so each peer gets a next hop it can reach.
func buildPath(localAS uint32, p Prefix) (*apiutil.Path, error) {
	nlri, err := bgp.NewIPAddrPrefix(p.Prefix)
	if err != nil {
		return nil, fmt.Errorf("prefix %v: %w", p.Prefix, err)
	}
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	nh, err := bgp.NewPathAttributeNextHop(nextHopFor(p))
	if err != nil {
		return nil, err
	}
	attrs = append(attrs, nh)
	if p.Prepend > 0 {
		attrs = append(attrs, bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{
			bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, repeatAS(localAS, p.Prepend))}))
	}
	if p.MED != nil {
		attrs = append(attrs, bgp.NewPathAttributeMultiExitDisc(*p.MED))
	}
	if comms, _ := parseCommunities(p.Communities); len(comms) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(comms))
	}
	if large, _ := parseLargeCommunities(p.LargeCommunities); len(large) > 0 {
		list := make([]*bgp.LargeCommunity, len(large))
		for i, c := range large {
			list[i] = bgp.NewLargeCommunity(c.ASN, c.Data1, c.Data2)
		}
		attrs = append(attrs, bgp.NewPathAttributeLargeCommunities(list))
	}
	family := bgp.RF_IPv4_UC
	if prefixFamily(p.Prefix) == IPv6 {
		family = bgp.RF_IPv6_UC
	}
	return &apiutil.Path{Family: family, Nlri: nlri, Attrs: attrs, Age: time.Now().Unix()}, nil
}

func nextHopFor(p Prefix) netip.Addr {
	if p.NextHop.IsValid() {
		return p.NextHop
	}
	if prefixFamily(p.Prefix) == IPv6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

func repeatAS(as uint32, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = as
	}
	return out
}

func (g *gobgpSpeaker) peers(ctx context.Context) []PeerStatus {
	var out []PeerStatus
	err := g.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		out = append(out, peerStatusOf(p))
	})
	if err != nil {
		g.log.Warn("listing peers", "err", err)
	}
	return out
}

func peerStatusOf(p *api.Peer) PeerStatus {
	st := PeerStatus{Address: p.GetConf().GetNeighborAddress(), AS: p.GetConf().GetPeerAsn()}
	st.Session = sessionName(p.GetState().GetSessionState())
	if msg := p.GetState().GetDisconnectMessage(); msg != "" {
		st.Info = msg
	}
	if p.GetState().GetAdminState() == api.PeerState_ADMIN_STATE_PFX_CT {
		st.Info = "closed: the peer sent more prefixes than max-prefixes allows; retried after max-prefix-restart"
	}
	for _, a := range p.GetAfiSafis() {
		if a.GetConfig().GetFamily().GetAfi() == api.Family_AFI_IP6 {
			st.Families = append(st.Families, IPv6)
		} else {
			st.Families = append(st.Families, IPv4)
		}
	}
	return st
}

func sessionName(s api.PeerState_SessionState) string {
	name := strings.TrimPrefix(s.String(), "SESSION_STATE_")
	return strings.ToLower(name)
}

func (g *gobgpSpeaker) stop(ctx context.Context) error {
	if g.cancel != nil {
		g.cancel()
		<-g.done
	}
	err := g.srv.StopBgp(ctx, &api.StopBgpRequest{})
	g.srv.Stop()
	if err != nil {
		return fmt.Errorf("stopping gobgp: %w", err)
	}
	return nil
}
