package node

import (
	"fmt"
	"net/netip"
	"time"

	"anycloud/internal/announce"
)

// AnnounceFile is the node's `announce:` section: how the node tells its
// upstream routers about the service prefixes. Without it the node serves
// but announces nothing (an operator announces by other means).
type AnnounceFile struct {
	// Mode is "gobgp" (embedded speaker, the default) or "bird" (drive the
	// operator's local BIRD 2 through an include file).
	Mode     string `yaml:"mode"`
	LocalAS  uint32 `yaml:"local-as"`
	RouterID string `yaml:"router-id"`
	// ListenPort makes the embedded speaker accept sessions on that TCP
	// port; 0 (the default) means it only dials out.
	ListenPort int32 `yaml:"listen-port"`
	// Service are the addresses the health check queries (and that
	// loopback puts on lo); default: the addresses of the /32 and /128
	// prefixes.
	Service   []string     `yaml:"service"`
	Loopback  bool         `yaml:"loopback"`
	Prefixes  []PrefixFile `yaml:"prefixes"`
	Peers     []PeerFile   `yaml:"peers"`
	Health    HealthFile   `yaml:"health"`
	DrainWait string       `yaml:"drain-wait"`
	BIRD      BIRDFile     `yaml:"bird"`
}

// PrefixFile is one service prefix with its routing policy.
type PrefixFile struct {
	Prefix      string   `yaml:"prefix"`
	Communities []string `yaml:"communities"`
	Prepend     int      `yaml:"prepend"`
	NextHop     string   `yaml:"next-hop"`
}

// PeerFile is one BGP neighbor.
type PeerFile struct {
	Neighbor     string   `yaml:"neighbor"`
	PeerAS       uint32   `yaml:"peer-as"`
	LocalAddress string   `yaml:"local-address"`
	Passive      bool     `yaml:"passive"`
	HoldTime     string   `yaml:"hold-time"`
	Keepalive    string   `yaml:"keepalive"`
	ConnectRetry string   `yaml:"connect-retry"`
	Families     []string `yaml:"families"`
}

// HealthFile tunes the checks and their hysteresis.
type HealthFile struct {
	Interval   string `yaml:"interval"`
	Rise       int    `yaml:"rise"`
	Fall       int    `yaml:"fall"`
	MaxFlaps   int    `yaml:"max-flaps"`
	FlapWindow string `yaml:"flap-window"`
}

// BIRDFile configures mode "bird".
type BIRDFile struct {
	IncludeFile string `yaml:"include-file"`
	Socket      string `yaml:"socket"`
	Birdc       string `yaml:"birdc"`
	Protocol    string `yaml:"protocol"`
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
func (a *AnnounceFile) validate(add func(string, string, ...any), listen []string) *Announce {
	out := &Announce{}
	c := &out.Config
	c.Mode = announce.Mode(a.Mode)
	c.LocalAS, c.ListenPort, c.ManageLoopback = a.LocalAS, a.ListenPort, a.Loopback
	if a.RouterID != "" {
		c.RouterID = parseAddr(add, "announce.router-id", a.RouterID)
	}
	for i, p := range a.Prefixes {
		c.Prefixes = append(c.Prefixes, p.validate(add, fmt.Sprintf("announce.prefixes[%d]", i)))
	}
	for i, p := range a.Peers {
		c.Peers = append(c.Peers, p.validate(add, fmt.Sprintf("announce.peers[%d]", i)))
	}
	c.Health = a.Health.validate(add)
	c.DrainWait = duration(add, "announce.drain-wait", a.DrainWait, announce.DefaultDrainWait)
	c.BIRD = announce.BIRDConfig{IncludeFile: a.BIRD.IncludeFile, Socket: a.BIRD.Socket, Birdc: a.BIRD.Birdc, Protocol: a.BIRD.Protocol}
	out.Service = a.service(add, c.Prefixes)
	c.LoopbackAddresses = out.Service
	out.CheckPort = checkPort(add, out.Service, listen)
	if err := c.Validate(); err != nil {
		add("announce", "%v", err)
	}
	return out
}

func (p PrefixFile) validate(add func(string, string, ...any), field string) announce.Prefix {
	out := announce.Prefix{Communities: p.Communities, Prepend: p.Prepend}
	pr, err := netip.ParsePrefix(p.Prefix)
	if err != nil {
		add(field+".prefix", "%q is not a prefix such as 198.51.100.53/32", p.Prefix)
	}
	out.Prefix = pr.Masked()
	if p.NextHop != "" {
		out.NextHop = parseAddr(add, field+".next-hop", p.NextHop)
	}
	return out
}

func (p PeerFile) validate(add func(string, string, ...any), field string) announce.Peer {
	out := announce.Peer{AS: p.PeerAS, Passive: p.Passive}
	out.Address = parseAddr(add, field+".neighbor", p.Neighbor)
	if p.LocalAddress != "" {
		out.LocalAddress = parseAddr(add, field+".local-address", p.LocalAddress)
	}
	out.HoldTime = duration(add, field+".hold-time", p.HoldTime, announce.DefaultHoldTime)
	out.Keepalive = duration(add, field+".keepalive", p.Keepalive, announce.DefaultKeepalive)
	out.ConnectRetry = duration(add, field+".connect-retry", p.ConnectRetry, announce.DefaultConnectRetry)
	if out.Keepalive*3 > out.HoldTime {
		add(field+".keepalive", "%v is more than a third of the hold time %v", out.Keepalive, out.HoldTime)
	}
	for _, f := range p.Families {
		if f != string(announce.IPv4) && f != string(announce.IPv6) {
			add(field+".families", "%q: want ipv4 or ipv6", f)
		}
		out.Families = append(out.Families, announce.Family(f))
	}
	return out
}

func (h HealthFile) validate(add func(string, string, ...any)) announce.HealthConfig {
	out := announce.HealthConfig{Rise: h.Rise, Fall: h.Fall, MaxFlaps: h.MaxFlaps}
	out.Interval = duration(add, "announce.health.interval", h.Interval, announce.DefaultInterval)
	out.FlapWindow = duration(add, "announce.health.flap-window", h.FlapWindow, announce.DefaultFlapWindow)
	if h.Rise < 0 || h.Fall < 0 || h.MaxFlaps < 0 {
		add("announce.health", "rise, fall and max-flaps must not be negative")
	}
	if out.Interval < 50*time.Millisecond {
		add("announce.health.interval", "%v is below 50ms", out.Interval)
	}
	return out
}

// service returns the configured service addresses, or the host prefixes'
// addresses when none are listed.
func (a *AnnounceFile) service(add func(string, string, ...any), prefixes []announce.Prefix) []netip.Addr {
	var out []netip.Addr
	for i, s := range a.Service {
		out = append(out, parseAddr(add, fmt.Sprintf("announce.service[%d]", i), s))
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
		add("announce.service", "required when no prefix is a single address (/32, /128): the health check queries these")
	}
	return out
}

// checkPort finds the port the node listens on for the service addresses,
// so that the health check asks the same socket clients reach.
func checkPort(add func(string, string, ...any), service []netip.Addr, listen []string) int {
	port := 0
	for _, s := range service {
		p := listenPortFor(s, listen)
		if p == 0 {
			add("announce.service", "%v is not covered by listen: the node would announce an address it does not serve", s)
			continue
		}
		if port != 0 && p != port {
			add("announce.service", "service addresses listened on different ports (%d, %d)", port, p)
		}
		port = p
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

func parseAddr(add func(string, string, ...any), field, s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		add(field, "%q is not an IP address", s)
	}
	return a
}
