package announce

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"sort"
	"sync/atomic"
	"syscall"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// peerEnv turns the test binary into a plain GoBGP router (a transit
// provider or an attacker) that peers with the node from its own network
// namespace, originates routes and reports what it learns.
const peerEnv = "ANYCLOUD_GOBGP_PEER"

// peerSpec is what the test hands the GoBGP peer process.
type peerSpec struct {
	AS       uint32
	RouterID string
	Neighbor string // the node
	NodeAS   uint32
	Inject   []string // prefixes originated from the start
	// Flood routes (distinct /32s) are originated once FloodFile exists.
	Flood     int
	FloodFile string
	Status    string // JSON peerReport, rewritten every 200 ms
}

// peerReport is what the GoBGP peer has seen.
type peerReport struct {
	Session  string   // session state towards the node
	Received []string // prefixes the node sent (Adj-RIB-In, sorted)
	Drops    int      // times an established session went down
	Last     string   // disconnect message of the last drop
	Flooded  int      // flood routes originated so far
}

func runGoBGPPeer(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec peerSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := server.NewBgpServer(server.LoggerOption(log, nil))
	go srv.Serve()
	ctx := context.Background()
	if err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{Asn: spec.AS, RouterId: spec.RouterID, ListenPort: 179}}); err != nil {
		return err
	}
	err = srv.AddPeer(ctx, &api.AddPeerRequest{Peer: &api.Peer{
		Conf:   &api.PeerConf{NeighborAddress: spec.Neighbor, PeerAsn: spec.NodeAS},
		Timers: &api.Timers{Config: &api.TimersConfig{HoldTime: 9, KeepaliveInterval: 3, ConnectRetry: 1, IdleHoldTimeAfterReset: 1}},
	}})
	if err != nil {
		return err
	}
	if err := originate(srv, spec.Inject); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	var rep peerReport
	established := false
	flooding := false
	var flooded atomic.Int64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-sig:
			srv.Stop()
			return nil
		case <-tick.C:
		}
		srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
			rep.Session = sessionName(p.GetState().GetSessionState())
			if established && rep.Session != "established" {
				rep.Drops++
				rep.Last = fmt.Sprintf("%v %s", p.GetState().GetDisconnectReason(), p.GetState().GetDisconnectMessage())
			}
			established = rep.Session == "established"
		})
		rep.Received = rep.Received[:0]
		srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_ADJ_IN, Name: spec.Neighbor, Family: bgp.RF_IPv4_UC},
			func(prefix bgp.NLRI, _ []*apiutil.Path) { rep.Received = append(rep.Received, prefix.String()) })
		sort.Strings(rep.Received)
		if _, err := os.Stat(spec.FloodFile); err == nil && !flooding {
			flooding = true
			go flood(srv, spec.Flood, &flooded)
		}
		rep.Flooded = int(flooded.Load())
		out, _ := json.Marshal(rep)
		tmp := spec.Status + ".tmp"
		os.WriteFile(tmp, out, 0o644)
		os.Rename(tmp, spec.Status)
	}
}

func originate(srv *server.BgpServer, prefixes []string) error {
	var paths []*apiutil.Path
	for _, s := range prefixes {
		p, err := peerPath(netip.MustParsePrefix(s))
		if err != nil {
			return err
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil
	}
	_, err := srv.AddPath(apiutil.AddPathRequest{Paths: paths})
	return err
}

var floodAttrs = func() []bgp.PathAttributeInterface {
	nh, _ := bgp.NewPathAttributeNextHop(netip.IPv4Unspecified())
	return []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP), nh}
}()

func peerPath(p netip.Prefix) (*apiutil.Path, error) {
	nlri, err := bgp.NewIPAddrPrefix(p)
	if err != nil {
		return nil, err
	}
	return &apiutil.Path{Family: bgp.RF_IPv4_UC, Nlri: nlri, Attrs: floodAttrs, Age: time.Now().Unix()}, nil
}

// flood originates n distinct /32s (from 10.0.0.0, data only: nothing
// routes them) in batches, as a full table sent by mistake would arrive.
func flood(srv *server.BgpServer, n int, done *atomic.Int64) {
	const batch = 10000
	base := netip.MustParseAddr("10.0.0.0").As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	for i := 0; i < n; i += batch {
		paths := make([]*apiutil.Path, 0, batch)
		for j := i; j < n && j < i+batch; j++ {
			v := start + uint32(j)
			a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			p, _ := peerPath(netip.PrefixFrom(a, 32))
			paths = append(paths, p)
		}
		if _, err := srv.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
			fmt.Fprintln(os.Stderr, "flood:", err)
			return
		}
		done.Store(int64(i + len(paths)))
	}
}
