package announce

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"anycloud/internal/yamlconf"
)

func TestParseCommunity(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"no-export", 0xFFFFFF01, true},
		{"NO-ADVERTISE", 0xFFFFFF02, true},
		{"64500:53", 64500<<16 | 53, true},
		{"70000:1", 0, false},
		{"64500", 0, false},
	}
	for _, tc := range tests {
		got, err := parseCommunity(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseCommunity(%q) = %#x, %v", tc.in, got, err)
		}
	}
}

func TestConfigDefaultsAndValidate(t *testing.T) {
	base := Config{
		LocalAS:  64500,
		RouterID: netip.MustParseAddr("192.0.2.1"),
		Peers:    []Peer{{Address: netip.MustParseAddr("2001:db8::1"), AS: 64501}},
		Prefixes: []Prefix{{Prefix: netip.MustParsePrefix("198.51.100.0/24")}},
	}
	c := base.WithDefaults()
	p := c.Peers[0]
	if p.HoldTime != 3*time.Second || p.Keepalive != time.Second || p.ConnectRetry != time.Second {
		t.Errorf("timer defaults: %+v", p)
	}
	if p.MaxPrefixes != DefaultMaxPrefixes || p.MaxPrefixRestart != DefaultMaxPrefixRestart {
		t.Errorf("every session has a prefix limit by default: %+v", p)
	}
	if len(p.Families) != 1 || p.Families[0] != IPv6 {
		t.Errorf("families default to the neighbor's: %v", p.Families)
	}
	if c.Health.Rise != 2 || c.Health.Fall != 3 || c.Health.Interval != 250*time.Millisecond {
		t.Errorf("health defaults: %+v", c.Health)
	}
	tests := []struct {
		name   string
		modify func(*Config)
		ok     bool
	}{
		{"valid", func(*Config) {}, true},
		{"no prefixes", func(c *Config) { c.Prefixes = nil }, false},
		{"no peers", func(c *Config) { c.Peers = nil }, false},
		{"hold below 3s", func(c *Config) { c.Peers[0].HoldTime = time.Second }, false},
		{"bad community", func(c *Config) { c.Prefixes[0].Communities = []string{"x"} }, false},
		{"bird without socket", func(c *Config) { c.Mode = ModeBIRD }, false},
		{"large community", func(c *Config) { c.Prefixes[0].LargeCommunities = []string{"4200000000:1:53"} }, true},
		{"large community of two parts", func(c *Config) { c.Prefixes[0].LargeCommunities = []string{"64500:53"} }, false},
		{"large community over 32 bits", func(c *Config) { c.Prefixes[0].LargeCommunities = []string{"64500:1:4294967296"} }, false},
		{"password of 80 bytes", func(c *Config) { c.Peers[0].Password = strings.Repeat("x", 80) }, true},
		{"password over 80 bytes", func(c *Config) { c.Peers[0].Password = strings.Repeat("x", 81) }, false},
		{"restart below 1s", func(c *Config) { c.Peers[0].MaxPrefixRestart = 10 * time.Millisecond }, false},
		{"GTSM beyond 254 hops", func(c *Config) { c.Peers[0].TTLSecurity, c.Peers[0].Multihop = true, 255 }, false},
		{"drain prepend 10", func(c *Config) { c.DrainPrepend = MaxPrepend }, true},
		{"drain prepend over 10", func(c *Config) { c.DrainPrepend = MaxPrepend + 1 }, false},
		{"bird bfd defaults", func(c *Config) { *c = birdMode(*c, &BFDConfig{}) }, true},
		{"bird bfd 10ms", func(c *Config) { *c = birdMode(*c, &BFDConfig{Interval: 10 * time.Millisecond}) }, true},
		{"bird bfd below 10ms", func(c *Config) { *c = birdMode(*c, &BFDConfig{Interval: time.Millisecond}) }, false},
		{"bird bfd multiplier 256", func(c *Config) { *c = birdMode(*c, &BFDConfig{Multiplier: 256}) }, false},
		{"bird protocol name with a quote", func(c *Config) { *c = birdMode(*c, nil); c.BIRD.Protocol = `x"; }` }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			c.Peers = append([]Peer(nil), base.Peers...)
			c.Prefixes = append([]Prefix(nil), base.Prefixes...)
			tc.modify(&c)
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func birdMode(c Config, bfd *BFDConfig) Config {
	c.Mode = ModeBIRD
	c.BIRD = BIRDConfig{IncludeFile: "/run/anycloud.conf", Socket: "/run/bird.ctl", BFD: bfd}
	return c
}

// TestGracefulShutdownPrefixes: the drain's route carries 65535:0 and the
// extra prepends on top of the prefix's own policy, capped at MaxPrepend,
// and leaves the configured prefixes untouched.
func TestGracefulShutdownPrefixes(t *testing.T) {
	in := []Prefix{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Communities: []string{"64500:53"}, Prepend: 1},
		{Prefix: netip.MustParsePrefix("2001:db8:53::/48"), Prepend: 9},
	}
	out := GracefulShutdown(in, 3)
	for i, want := range []struct {
		comms   string
		prepend int
	}{{"64500:53 graceful-shutdown", 4}, {"graceful-shutdown", MaxPrepend}} {
		if got := strings.Join(out[i].Communities, " "); got != want.comms || out[i].Prepend != want.prepend {
			t.Errorf("prefix %d: communities %q prepend %d, want %q and %d", i, got, out[i].Prepend, want.comms, want.prepend)
		}
	}
	if len(in[0].Communities) != 1 || in[0].Prepend != 1 {
		t.Errorf("GracefulShutdown changed its input: %+v", in[0])
	}
	if c, _ := parseCommunity("graceful-shutdown"); c != 0xFFFF0000 {
		t.Errorf("graceful-shutdown is %#x, want 65535:0", c)
	}
}

// TestValidateReportsEveryProblem: Validate reports every problem of the
// configuration at once, each at the key of the node's announce: section
// that holds it (it used to stop at the first).
func TestValidateReportsEveryProblem(t *testing.T) {
	valid := Config{
		LocalAS:  64500,
		RouterID: netip.MustParseAddr("192.0.2.1"),
		Peers:    []Peer{{Address: netip.MustParseAddr("2001:db8::1"), AS: 64501}},
		Prefixes: []Prefix{{Prefix: netip.MustParsePrefix("198.51.100.0/24")}},
	}
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string
	}{
		{"gobgp", func(c *Config) {
			c.LocalAS, c.RouterID = 0, netip.Addr{}
			c.Prefixes = append(c.Prefixes, Prefix{Prepend: 11, Communities: []string{"x"}, LargeCommunities: []string{"1:2"}})
			c.Peers = append(c.Peers, Peer{HoldTime: time.Second, MaxPrefixRestart: time.Millisecond, Password: strings.Repeat("x", 81), TTLSecurity: true, Multihop: 255})
			c.DrainPrepend = -1
		}, []string{
			"announce.prefixes[1].prefix", "announce.prefixes[1].prepend", "announce.prefixes[1].communities", "announce.prefixes[1].large-communities",
			"announce.drain-prepend", "announce.local-as", "announce.router-id",
			"announce.peers[1].neighbor", "announce.peers[1].peer-as", "announce.peers[1].hold-time", "announce.peers[1].max-prefix-restart",
			"announce.peers[1].password-file", "announce.peers[1].multihop",
		}},
		{"bird", func(c *Config) {
			*c = birdMode(*c, &BFDConfig{Interval: time.Millisecond, Multiplier: 256})
			c.BIRD.IncludeFile, c.BIRD.Protocol = "", "a-b"
			c.Prefixes = nil
		}, []string{"announce.prefixes", "announce.bird.include-file", "announce.bird.protocol", "announce.bird.bfd.interval", "announce.bird.bfd.multiplier"}},
		{"unknown mode", func(c *Config) { c.Mode = "quagga" }, []string{"announce.mode"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			c.Peers = append([]Peer(nil), valid.Peers...)
			c.Prefixes = append([]Prefix(nil), valid.Prefixes...)
			tc.modify(&c)
			err := c.Validate()
			if got := yamlconf.Fields(err); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("problems at %q, want %q; error:\n%v", got, tc.want, err)
			}
			t.Logf("reported:\n%v", err)
		})
	}
}
