package announce

import (
	"net/netip"
	"strings"
	"time"

	"anycloud/internal/yamlconf"
)

// Timer defaults. GoBGP's own defaults (hold 90 s, keepalive 30 s, connect
// retry 120 s) would keep a dead node announced for a minute and a half and
// leave a restarted node silent for two minutes; anycast failover needs
// seconds. A hold time of 3 s is the smallest RFC 4271 allows.
const (
	DefaultHoldTime     = 3 * time.Second
	DefaultKeepalive    = 1 * time.Second
	DefaultConnectRetry = 1 * time.Second
)

// Session limits. A node takes no routes from its peers (GoBGP mode imports
// nothing), but GoBGP still keeps a copy of every route a peer sends in that
// peer's Adj-RIB-In, rejected or not: the only hard bound on that memory is
// the prefix limit, which closes the session (NOTIFICATION Cease, "maximum
// number of prefixes reached") as soon as a peer sends more than
// MaxPrefixes routes of one family. The session stays down for
// MaxPrefixRestart, then is dialled again.
const (
	DefaultMaxPrefixes      = 100
	DefaultMaxPrefixRestart = time.Minute
)

// Health defaults: checks every 250 ms, 2 good results to announce, 3 bad to
// withdraw, and at most 4 withdrawals per minute before the node holds itself
// withdrawn (flap damping).
const (
	DefaultInterval   = 250 * time.Millisecond
	DefaultRise       = 2
	DefaultFall       = 3
	DefaultMaxFlaps   = 4
	DefaultFlapWindow = time.Minute
	DefaultDrainWait  = 10 * time.Second
)

// Drain defaults (RFC 8326 graceful shutdown): the route is first sent
// again with the GRACEFUL_SHUTDOWN community and 3 more copies of the local
// AS for at most 5 s, until no query has reached the service addresses
// from another host for 1 s; only then is it withdrawn.
const (
	DefaultGracefulWait = 5 * time.Second
	DefaultDrainQuiet   = time.Second
	DefaultDrainPrepend = 3
	// MaxPrepend bounds a prefix's prepends, drain's included: longer
	// paths help no further and some networks drop them.
	MaxPrepend = 10
)

// BFD defaults for ModeBIRD: 100 ms intervals, down after 3 missed
// packets, so a silent path is detected in 300 ms.
const (
	DefaultBFDInterval   = 100 * time.Millisecond
	DefaultBFDMultiplier = 3
)

// Mode selects who speaks BGP.
type Mode string

const (
	// ModeGoBGP embeds a GoBGP speaker in the process.
	ModeGoBGP Mode = "gobgp"
	// ModeBIRD drives an operator's local BIRD 2 through an include file.
	ModeBIRD Mode = "bird"
)

// Config is everything the announcer needs; zero values take the defaults
// above (see WithDefaults).
type Config struct {
	Mode     Mode
	LocalAS  uint32
	RouterID netip.Addr
	// ListenPort is the TCP port GoBGP accepts sessions on. 0 means do not
	// listen at all (the node dials out to its peers).
	ListenPort int32
	Peers      []Peer
	Prefixes   []Prefix
	Health     HealthConfig
	// GracefulWait is the longest Drain keeps the graceful-shutdown route
	// (RFC 8326: community 65535:0 and DrainPrepend more copies of the
	// local AS) before withdrawing; it withdraws sooner once Traffic has
	// been still for DrainQuiet. Without Traffic it waits all of it.
	GracefulWait time.Duration
	// DrainWait is the drain timeout: the longest Drain keeps serving
	// after withdrawing, waiting for Traffic to be still for DrainQuiet,
	// so that queries already on their way are answered before the
	// process stops. Without Traffic it waits all of it.
	DrainWait time.Duration
	// DrainQuiet is how long Traffic must not move to count as "the query
	// rate is zero".
	DrainQuiet time.Duration
	// DrainPrepend is how many more copies of the local AS the
	// graceful-shutdown route carries, for routers that ignore the
	// community; the total per prefix is capped at MaxPrepend.
	DrainPrepend int
	// Traffic returns how many queries have reached the service addresses
	// from other hosts so far (the node's DNS server counts them); nil
	// means unknown.
	Traffic func() uint64 `json:"-"`
	BIRD    BIRDConfig
	// LoopbackAddresses are put on "lo" at start when ManageLoopback is set.
	LoopbackAddresses []netip.Addr
	ManageLoopback    bool
}

// Peer is one BGP neighbor.
type Peer struct {
	Address      netip.Addr
	AS           uint32
	LocalAddress netip.Addr // optional source address
	Passive      bool       // wait for the neighbor to connect
	HoldTime     time.Duration
	Keepalive    time.Duration
	ConnectRetry time.Duration
	// Families limits the session to IPv4 or IPv6 unicast. Empty means the
	// family of Address, so that next hops are always of the prefix family.
	Families []Family
	// MaxPrefixes is the most routes of one family the peer may send
	// before the session is closed (default DefaultMaxPrefixes). They are
	// all rejected anyway; the limit bounds what GoBGP holds for them.
	MaxPrefixes uint32
	// MaxPrefixRestart is how long a session closed by MaxPrefixes stays
	// down before it is tried again (default DefaultMaxPrefixRestart).
	MaxPrefixRestart time.Duration
	// Password is the TCP-MD5 (RFC 2385) key of the session; empty means
	// none. Configuration files name a file holding it, never the key.
	Password string
	// Multihop is the TTL of packets to a peer that is not directly
	// connected (eBGP multihop); 0 means directly connected (TTL 1).
	Multihop uint8
	// TTLSecurity turns on GTSM (RFC 5082): packets are sent with TTL 255
	// and only packets that arrive with TTL 255 (254 and lower for each
	// extra Multihop hop) are accepted.
	TTLSecurity bool
}

// Family is an address family announced over a session.
type Family string

const (
	IPv4 Family = "ipv4"
	IPv6 Family = "ipv6"
)

// Prefix is one service prefix to announce.
type Prefix struct {
	Prefix netip.Prefix
	// Communities are "ASN:VALUE" or well-known names (no-export,
	// no-advertise, blackhole, graceful-shutdown).
	Communities []string
	// Prepend adds this many extra copies of the local AS, so that a node
	// carries less traffic.
	Prepend int
	// NextHop overrides the next hop; unset means the session's local address.
	NextHop netip.Addr
	// LargeCommunities are RFC 8092 "ASN:DATA1:DATA2" (each 0..4294967295),
	// for providers whose action communities need a 4-byte ASN.
	LargeCommunities []string
	// MED is the MULTI_EXIT_DISC sent with the route; nil sends none.
	MED *uint32
}

// HealthConfig tunes the health monitor.
type HealthConfig struct {
	Interval   time.Duration
	Rise       int
	Fall       int
	MaxFlaps   int
	FlapWindow time.Duration
}

// BIRDConfig configures ModeBIRD.
type BIRDConfig struct {
	IncludeFile string // file the operator's bird.conf includes
	Socket      string // bird control socket
	Birdc       string // birdc binary, default "birdc"
	Protocol    string // static protocol name prefix, default "anycloud"
	// BFD makes the include define a BFD protocol and a BGP template that
	// turns BFD on; nil writes neither.
	BFD *BFDConfig
}

// BFDConfig is the BFD (RFC 5880) session the host's BIRD runs with its
// BGP neighbours in ModeBIRD, so that a silent path is detected in
// Interval × Multiplier instead of the BGP hold time.
type BFDConfig struct {
	Interval   time.Duration // min rx and tx interval, default 100 ms
	Multiplier int           // packets missed before down, default 3
}

// WithDefaults returns c with unset fields filled in.
func (c Config) WithDefaults() Config {
	if c.Mode == "" {
		c.Mode = ModeGoBGP
	}
	c.DrainWait = orDuration(c.DrainWait, DefaultDrainWait)
	c.GracefulWait = orDuration(c.GracefulWait, DefaultGracefulWait)
	c.DrainQuiet = orDuration(c.DrainQuiet, DefaultDrainQuiet)
	if c.DrainPrepend == 0 {
		c.DrainPrepend = DefaultDrainPrepend
	}
	c.Health = c.Health.withDefaults()
	c.BIRD = c.BIRD.withDefaults()
	peers := make([]Peer, len(c.Peers))
	for i, p := range c.Peers {
		peers[i] = p.withDefaults()
	}
	c.Peers = peers
	return c
}

func (h HealthConfig) withDefaults() HealthConfig {
	h.Interval = orDuration(h.Interval, DefaultInterval)
	h.FlapWindow = orDuration(h.FlapWindow, DefaultFlapWindow)
	h.Rise = orInt(h.Rise, DefaultRise)
	h.Fall = orInt(h.Fall, DefaultFall)
	h.MaxFlaps = orInt(h.MaxFlaps, DefaultMaxFlaps)
	return h
}

func (b BIRDConfig) withDefaults() BIRDConfig {
	if b.Birdc == "" {
		b.Birdc = "birdc"
	}
	if b.Protocol == "" {
		b.Protocol = "anycloud"
	}
	if b.BFD != nil {
		bfd := *b.BFD
		bfd.Interval = orDuration(bfd.Interval, DefaultBFDInterval)
		bfd.Multiplier = orInt(bfd.Multiplier, DefaultBFDMultiplier)
		b.BFD = &bfd
	}
	return b
}

func (p Peer) withDefaults() Peer {
	p.HoldTime = orDuration(p.HoldTime, DefaultHoldTime)
	p.Keepalive = orDuration(p.Keepalive, DefaultKeepalive)
	p.ConnectRetry = orDuration(p.ConnectRetry, DefaultConnectRetry)
	p.MaxPrefixRestart = orDuration(p.MaxPrefixRestart, DefaultMaxPrefixRestart)
	if p.MaxPrefixes == 0 {
		p.MaxPrefixes = DefaultMaxPrefixes
	}
	if len(p.Families) == 0 {
		p.Families = []Family{familyOf(p.Address)}
	}
	return p
}

// Validate reports every problem that makes c unusable, each at the key of
// the node's announce: section that holds the value.
func (c Config) Validate() error {
	var p yamlconf.Problems
	c.Check(p.In("announce"))
	return p.Err()
}

// Check reports every problem of c through p at the keys of the node's
// announce: section (prefixes[0].prepend, peers[1].hold-time, ...): c is
// that section read. A value the section's reader could not parse was
// reported there (p.Has) and is not reported again as missing.
func (c Config) Check(p *yamlconf.Problems) {
	if len(c.Prefixes) == 0 {
		p.Add("prefixes", "no service prefixes configured")
	}
	for i, pr := range c.Prefixes {
		pr.check(p.In(yamlconf.Index("prefixes", i)))
	}
	if c.DrainPrepend < 0 || c.DrainPrepend > MaxPrepend {
		p.Add("drain-prepend", "%d out of 0..%d", c.DrainPrepend, MaxPrepend)
	}
	switch c.Mode {
	case ModeBIRD:
		c.BIRD.check(p.In("bird"))
	case ModeGoBGP, "":
		c.checkGoBGP(p)
	default:
		p.Add("mode", "unknown mode %q (gobgp or bird)", c.Mode)
	}
}

func (c Config) checkGoBGP(p *yamlconf.Problems) {
	if c.LocalAS == 0 {
		p.Add("local-as", "required: the local AS")
	}
	if !c.RouterID.Is4() && !p.Has("router-id") {
		p.Add("router-id", "an IPv4 router id is required")
	}
	if len(c.Peers) == 0 {
		p.Add("peers", "no BGP peers configured")
	}
	for i, peer := range c.Peers {
		peer.check(p.In(yamlconf.Index("peers", i)))
	}
}

func (peer Peer) check(p *yamlconf.Problems) {
	if !peer.Address.IsValid() && !p.Has("neighbor") {
		p.Add("neighbor", "required: the router's address")
	}
	if peer.AS == 0 {
		p.Add("peer-as", "required: the router's AS")
	}
	if peer.HoldTime != 0 && peer.HoldTime < 3*time.Second {
		p.Add("hold-time", "%v below the 3 s minimum", peer.HoldTime)
	}
	if peer.MaxPrefixRestart < 0 || (peer.MaxPrefixRestart != 0 && peer.MaxPrefixRestart < time.Second) {
		p.Add("max-prefix-restart", "%v below 1 s", peer.MaxPrefixRestart)
	}
	if len(peer.Password) > 80 {
		// Linux's TCP_MD5SIG_MAXKEYLEN.
		p.Add("password-file", "TCP-MD5 password longer than 80 bytes")
	}
	if peer.TTLSecurity && peer.Multihop > 254 {
		p.Add("multihop", "%d leaves no TTL for GTSM", peer.Multihop)
	}
}

func (pr Prefix) check(p *yamlconf.Problems) {
	if !pr.Prefix.IsValid() && !p.Has("prefix") {
		p.Add("prefix", "invalid prefix")
	}
	if pr.Prepend < 0 || pr.Prepend > MaxPrepend {
		p.Add("prepend", "%d out of 0..%d", pr.Prepend, MaxPrepend)
	}
	if _, err := parseCommunities(pr.Communities); err != nil {
		p.Add("communities", "%s", strings.TrimPrefix(err.Error(), "announce: "))
	}
	if _, err := parseLargeCommunities(pr.LargeCommunities); err != nil {
		p.Add("large-communities", "%s", strings.TrimPrefix(err.Error(), "announce: "))
	}
}

func (b BIRDConfig) check(p *yamlconf.Problems) {
	if b.IncludeFile == "" {
		p.Add("include-file", "required in bird mode: the include file bird.conf reads")
	}
	if b.Socket == "" {
		p.Add("socket", "required in bird mode: BIRD's control socket")
	}
	if b.Protocol != "" && !validProtocolName(b.Protocol) {
		p.Add("protocol", "%q: want letters, digits and _ only", b.Protocol)
	}
	if f := b.BFD; f != nil {
		// BIRD takes 1 ms..; RFC 5880 leaves it open, but below 10 ms a
		// busy host misses packets and flaps every session.
		if f.Interval != 0 && (f.Interval < 10*time.Millisecond || f.Interval > time.Minute) {
			p.Add("bfd.interval", "%v out of 10ms..1m", f.Interval)
		}
		if f.Multiplier < 0 || f.Multiplier > 255 {
			p.Add("bfd.multiplier", "%d out of 1..255", f.Multiplier)
		}
	}
}

func familyOf(a netip.Addr) Family {
	if a.Is4() || a.Is4In6() {
		return IPv4
	}
	return IPv6
}

func prefixFamily(p netip.Prefix) Family { return familyOf(p.Addr()) }

func orDuration(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// validProtocolName keeps the include's names plain BIRD symbols.
func validProtocolName(s string) bool {
	if s == "" || len(s) > 32 || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
