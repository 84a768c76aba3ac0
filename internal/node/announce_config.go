package node

import (
	"net/netip"
	"os"
	"strings"
	"time"

	"anycloud/internal/announce"
	"anycloud/internal/yamlconf"
)

// AnnounceFile is the node's `announce:` section: how the node tells its
// upstream routers about the service prefixes. Without it the node serves
// but announces nothing (an operator announces by other means).
type AnnounceFile struct {
	// Mode is "gobgp" (embedded speaker, the default) or "bird" (drive the
	// operator's local BIRD 2 through an include file).
	Mode     string `yaml:"mode"`
	LocalAS  uint32 `yaml:"local-as"`  // the AS the service is announced from (and prepended)
	RouterID string `yaml:"router-id"` // BGP router id, an IPv4 address (gobgp mode)
	// ListenPort makes the embedded speaker accept sessions on that TCP
	// port; 0 (the default) means it only dials out.
	ListenPort int32 `yaml:"listen-port"`
	// Service are the addresses the health check queries (and that
	// loopback puts on lo); default: the addresses of the /32 and /128
	// prefixes.
	Service  []string     `yaml:"service"`
	Loopback bool         `yaml:"loopback"` // put the service addresses on lo (needs CAP_NET_ADMIN)
	Prefixes []PrefixFile `yaml:"prefixes"`
	Peers    []PeerFile   `yaml:"peers"`
	Health   HealthFile   `yaml:"health"`
	// GracefulWait is the longest a drain keeps the route announced with
	// the GRACEFUL_SHUTDOWN community (65535:0) and drain-prepend more
	// copies of local-as before withdrawing it (RFC 8326), default 5s; it
	// withdraws sooner, once no query has reached the service addresses
	// from another host for drain-quiet.
	GracefulWait string `yaml:"graceful-wait"`
	// DrainWait is the drain timeout: after withdrawing, keep answering
	// until no query has reached the service addresses from another host
	// for drain-quiet, at most this long, before a stop; default 10s.
	DrainWait string `yaml:"drain-wait"`
	// DrainQuiet is how long the service addresses must get no query from
	// another host to count as "the traffic has moved", default 1s.
	DrainQuiet string `yaml:"drain-quiet"`
	// DrainPrepend is how many more copies of local-as the graceful-shutdown
	// route carries, for routers that ignore the community; default 3, at
	// most 10 with the prefix's own prepend.
	DrainPrepend int      `yaml:"drain-prepend"`
	BIRD         BIRDFile `yaml:"bird"`
}

// PrefixFile is one service prefix with its routing policy.
type PrefixFile struct {
	Prefix      string   `yaml:"prefix"`      // e.g. 198.51.100.0/24
	Communities []string `yaml:"communities"` // "ASN:VALUE" standard communities on the route
	Prepend     int      `yaml:"prepend"`     // extra copies of local-as in the AS path, to carry less traffic
	NextHop     string   `yaml:"next-hop"`    // default: the session's local address
	// LargeCommunities are RFC 8092 "ASN:DATA1:DATA2" large communities on
	// the route, e.g. "64500:1:53"; what providers with 4-byte ASNs use for
	// their action communities.
	LargeCommunities []string `yaml:"large-communities"`
	// MED is the MULTI_EXIT_DISC sent with the route (0..4294967295);
	// unset sends none. In bird mode the include's filter anycloud_export
	// sets it: BIRD sends a MED to an eBGP neighbour only when the export
	// filter sets it.
	MED *uint32 `yaml:"med"`
}

// PeerFile is one BGP neighbor.
type PeerFile struct {
	Neighbor     string   `yaml:"neighbor"`      // the router's address
	PeerAS       uint32   `yaml:"peer-as"`       // the router's AS
	LocalAddress string   `yaml:"local-address"` // source address of the session, default chosen by the kernel
	Passive      bool     `yaml:"passive"`       // wait for the router to connect (needs listen-port)
	HoldTime     string   `yaml:"hold-time"`     // default 3s, the minimum
	Keepalive    string   `yaml:"keepalive"`     // default 1s
	ConnectRetry string   `yaml:"connect-retry"` // default 1s
	Families     []string `yaml:"families"`      // "ipv4", "ipv6"; default the neighbour's address family
	// MaxPrefixes is the most routes of one family the router may send
	// before the node closes the session (BGP Cease, "maximum number of
	// prefixes reached"); default 100. The node keeps no route it is sent,
	// but GoBGP holds each one until the session closes, so this bounds the
	// memory a router (or a full table sent by mistake) can take.
	MaxPrefixes uint32 `yaml:"max-prefixes"`
	// MaxPrefixRestart is how long a session closed by max-prefixes stays
	// down before the node dials (or accepts) it again; default 1m.
	MaxPrefixRestart string `yaml:"max-prefix-restart"`
	// PasswordFile names a file holding the session's TCP-MD5 (RFC 2385)
	// password alone (surrounding space ignored, at most 80 bytes),
	// relative to the configuration file; the password is never written in
	// the configuration itself. Unset: no TCP-MD5.
	PasswordFile string `yaml:"password-file"`
	// Multihop is the IP TTL for a router that is not directly connected
	// (eBGP multihop, e.g. a provider's route server two hops away); 0, the
	// default, sends with TTL 1.
	Multihop uint8 `yaml:"multihop"`
	// TTLSecurity turns on GTSM (RFC 5082): the node sends with TTL 255 and
	// accepts only packets that arrive with 255 (less one per extra
	// multihop hop), so a spoofer further away cannot reach the session.
	// The router must do the same.
	TTLSecurity bool `yaml:"ttl-security"`
}

// HealthFile tunes the checks and their hysteresis.
type HealthFile struct {
	Interval   string `yaml:"interval"`    // between checks, default 250ms
	Rise       int    `yaml:"rise"`        // good checks in a row before announcing, default 2
	Fall       int    `yaml:"fall"`        // bad checks in a row before withdrawing, default 3
	MaxFlaps   int    `yaml:"max-flaps"`   // changes within flap-window before holding the route withdrawn, default 4
	FlapWindow string `yaml:"flap-window"` // default 1m
}

// BIRDFile configures mode "bird".
type BIRDFile struct {
	IncludeFile string `yaml:"include-file"` // the file anycloud writes and bird.conf includes
	Socket      string `yaml:"socket"`       // BIRD's control socket, e.g. /run/bird/bird.ctl
	Birdc       string `yaml:"birdc"`        // the birdc binary, default "birdc"
	Protocol    string `yaml:"protocol"`     // prefix of the static protocols' names, default "anycloud" (anycloud4, anycloud6)
	// BFD makes the include also define "protocol bfd anycloud_bfd" with
	// these intervals and "template bgp anycloud_bgp { bfd on; }", which
	// the BGP protocols of bird.conf inherit, so a router that runs BFD
	// drops a silent node in interval × multiplier (300 ms by default)
	// instead of the hold time. Unset: no BFD. The embedded GoBGP speaker
	// has no BFD; there the 3 s hold time is the floor.
	BFD *BFDFile `yaml:"bfd"`
}

// BFDFile tunes the BFD sessions of mode "bird".
type BFDFile struct {
	Interval   string `yaml:"interval"`   // min rx and tx interval, default 100ms (10ms..1m)
	Multiplier int    `yaml:"multiplier"` // packets missed before the session is down, default 3
}

// Announce is the validated section: the announcer's configuration and
// where the health check finds the node's DNS service.
type Announce struct {
	Config    announce.Config
	Service   []netip.Addr
	CheckPort int
}

// validate turns the section into an announce.Config; listen is the node's
// listen list, which must cover every service address.
func (a *AnnounceFile) validate(p *yamlconf.Problems, listen []string, baseDir string) *Announce {
	out := &Announce{}
	c := &out.Config
	c.Mode = announce.Mode(a.Mode)
	c.LocalAS, c.ListenPort, c.ManageLoopback = a.LocalAS, a.ListenPort, a.Loopback
	if a.RouterID != "" {
		c.RouterID = p.Addr("router-id", a.RouterID)
	}
	for i, pf := range a.Prefixes {
		c.Prefixes = append(c.Prefixes, pf.validate(p, yamlconf.Index("prefixes", i)))
	}
	for i, pf := range a.Peers {
		c.Peers = append(c.Peers, pf.validate(p, yamlconf.Index("peers", i), baseDir))
	}
	c.Health = a.Health.validate(p)
	c.DrainWait = p.Duration("drain-wait", a.DrainWait, announce.DefaultDrainWait)
	c.GracefulWait = p.Duration("graceful-wait", a.GracefulWait, announce.DefaultGracefulWait)
	c.DrainQuiet = p.Duration("drain-quiet", a.DrainQuiet, announce.DefaultDrainQuiet)
	c.DrainPrepend = a.DrainPrepend
	c.BIRD = announce.BIRDConfig{IncludeFile: a.BIRD.IncludeFile, Socket: a.BIRD.Socket, Birdc: a.BIRD.Birdc, Protocol: a.BIRD.Protocol}
	if f := a.BIRD.BFD; f != nil {
		c.BIRD.BFD = &announce.BFDConfig{Multiplier: f.Multiplier,
			Interval: p.Duration("bird.bfd.interval", f.Interval, announce.DefaultBFDInterval)}
	}
	out.Service = a.service(p, c.Prefixes)
	c.LoopbackAddresses = out.Service
	out.CheckPort = checkPort(p, out.Service, listen)
	c.Check(p)
	return out
}

func (pf PrefixFile) validate(p *yamlconf.Problems, field string) announce.Prefix {
	out := announce.Prefix{Communities: pf.Communities, Prepend: pf.Prepend, LargeCommunities: pf.LargeCommunities, MED: pf.MED}
	pr, err := netip.ParsePrefix(pf.Prefix)
	if err != nil {
		p.Add(field+".prefix", "%q is not a prefix such as 198.51.100.53/32", pf.Prefix)
	}
	out.Prefix = pr.Masked()
	if pf.NextHop != "" {
		out.NextHop = p.Addr(field+".next-hop", pf.NextHop)
	}
	return out
}

func (pf PeerFile) validate(p *yamlconf.Problems, field, baseDir string) announce.Peer {
	out := announce.Peer{AS: pf.PeerAS, Passive: pf.Passive, MaxPrefixes: pf.MaxPrefixes, Multihop: pf.Multihop, TTLSecurity: pf.TTLSecurity}
	out.MaxPrefixRestart = p.Duration(field+".max-prefix-restart", pf.MaxPrefixRestart, announce.DefaultMaxPrefixRestart)
	if pf.PasswordFile != "" {
		out.Password = readPassword(p, field+".password-file", pf.PasswordFile, baseDir)
	}
	out.Address = p.Addr(field+".neighbor", pf.Neighbor)
	if pf.LocalAddress != "" {
		out.LocalAddress = p.Addr(field+".local-address", pf.LocalAddress)
	}
	out.HoldTime = p.Duration(field+".hold-time", pf.HoldTime, announce.DefaultHoldTime)
	out.Keepalive = p.Duration(field+".keepalive", pf.Keepalive, announce.DefaultKeepalive)
	out.ConnectRetry = p.Duration(field+".connect-retry", pf.ConnectRetry, announce.DefaultConnectRetry)
	if out.Keepalive*3 > out.HoldTime {
		p.Add(field+".keepalive", "%v is more than a third of the hold time %v", out.Keepalive, out.HoldTime)
	}
	for _, f := range pf.Families {
		if f != string(announce.IPv4) && f != string(announce.IPv6) {
			p.Add(field+".families", "%q: want ipv4 or ipv6", f)
		}
		out.Families = append(out.Families, announce.Family(f))
	}
	return out
}

// readPassword reads a TCP-MD5 password from its own file, like TSIG
// secrets, so that configurations can be shared without it.
func readPassword(p *yamlconf.Problems, field, path, baseDir string) string {
	path = yamlconf.Resolve(baseDir, path)
	data, err := os.ReadFile(path)
	if err != nil {
		p.Add(field, "%v", err)
		return ""
	}
	pw := strings.TrimSpace(string(data))
	if pw == "" {
		p.Add(field, "%s is empty", path)
	}
	return pw
}

func (h HealthFile) validate(p *yamlconf.Problems) announce.HealthConfig {
	out := announce.HealthConfig{Rise: h.Rise, Fall: h.Fall, MaxFlaps: h.MaxFlaps}
	out.Interval = p.Duration("health.interval", h.Interval, announce.DefaultInterval)
	out.FlapWindow = p.Duration("health.flap-window", h.FlapWindow, announce.DefaultFlapWindow)
	if h.Rise < 0 || h.Fall < 0 || h.MaxFlaps < 0 {
		p.Add("health", "rise, fall and max-flaps must not be negative")
	}
	if out.Interval < 50*time.Millisecond {
		p.Add("health.interval", "%v is below 50ms", out.Interval)
	}
	return out
}

// service returns the configured service addresses, or the host prefixes'
// addresses when none are listed.
func (a *AnnounceFile) service(p *yamlconf.Problems, prefixes []announce.Prefix) []netip.Addr {
	var out []netip.Addr
	for i, s := range a.Service {
		out = append(out, p.Addr(yamlconf.Index("service", i), s))
	}
	if len(a.Service) > 0 {
		return out
	}
	for _, p := range prefixes {
		if p.Prefix.IsValid() && p.Prefix.IsSingleIP() {
			out = append(out, p.Prefix.Addr())
		}
	}
	if len(out) == 0 {
		p.Add("service", "required when no prefix is a single address (/32, /128): the health check queries these")
	}
	return out
}

// checkPort finds the port the node listens on for the service addresses,
// so that the health check asks the same socket clients reach.
func checkPort(p *yamlconf.Problems, service []netip.Addr, listen []string) int {
	port := 0
	for _, s := range service {
		lp := listenPortFor(s, listen)
		if lp == 0 {
			p.Add("service", "%v is not covered by listen: the node would announce an address it does not serve", s)
			continue
		}
		if port != 0 && lp != port {
			p.Add("service", "service addresses listened on different ports (%d, %d)", port, lp)
		}
		port = lp
	}
	return port
}

func listenPortFor(a netip.Addr, listen []string) int {
	for _, l := range listen {
		ap, err := netip.ParseAddrPort(l)
		if err != nil {
			continue
		}
		if ap.Addr() == a || (ap.Addr().IsUnspecified() && ap.Addr().Is4() == a.Is4()) {
			return int(ap.Port())
		}
	}
	return 0
}
