package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/announce"
)

const announceConfig = goodConfig + `control: 127.0.0.1:8954
metrics: 127.0.0.1:9153
announce:
  local-as: 64500
  router-id: 192.0.2.1
  prefixes:
    - {prefix: 127.0.0.1/32, communities: [no-export], prepend: 2}
  peers:
    - {neighbor: 192.0.2.2, peer-as: 64501}
  health: {interval: 100ms, fall: 2}
  drain-wait: 1s
`

func TestAnnounceConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(announceConfig), configDir(t))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Announce
	if a == nil || len(a.Service) != 1 || a.Service[0].String() != "127.0.0.1" || a.CheckPort != 53 {
		t.Fatalf("service not derived from the /32 and the listen list: %+v", a)
	}
	c := a.Config
	if p := c.Peers[0]; p.MaxPrefixes != 0 || p.MaxPrefixRestart != announce.DefaultMaxPrefixRestart || p.Password != "" {
		t.Fatalf("unexpected peer limits %+v", p)
	}
	if c.Peers[0].HoldTime != announce.DefaultHoldTime || c.Health.Interval != 100*time.Millisecond || c.Health.Fall != 2 ||
		c.DrainWait != time.Second || c.Prefixes[0].Prepend != 2 || cfg.Control != "127.0.0.1:8954" {
		t.Fatalf("unexpected announce config %+v", c)
	}
}

// TestAnnounceDrainAndBFD reads the RFC 8326 drain settings and BIRD's BFD.
func TestAnnounceDrainAndBFD(t *testing.T) {
	text := strings.Replace(announceConfig, "drain-wait: 1s", "drain-wait: 1s\n  graceful-wait: 2s\n  drain-quiet: 300ms\n  drain-prepend: 5", 1)
	text = strings.Replace(text, "  local-as:", "  mode: bird\n  bird: {include-file: /tmp/x.conf, socket: /tmp/b.ctl, bfd: {interval: 50ms, multiplier: 4}}\n  local-as:", 1)
	cfg, err := ParseConfig([]byte(text), configDir(t))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Announce.Config
	if c.GracefulWait != 2*time.Second || c.DrainQuiet != 300*time.Millisecond || c.DrainPrepend != 5 || c.DrainWait != time.Second {
		t.Errorf("drain settings %v %v %d %v", c.GracefulWait, c.DrainQuiet, c.DrainPrepend, c.DrainWait)
	}
	if b := c.BIRD.BFD; b == nil || b.Interval != 50*time.Millisecond || b.Multiplier != 4 {
		t.Errorf("bfd = %+v", b)
	}
}

// TestAnnounceTransitOptions reads the options transit providers ask for:
// the TCP-MD5 password from its own file, multihop, GTSM, the prefix limit,
// large communities and MED.
func TestAnnounceTransitOptions(t *testing.T) {
	dir := configDir(t)
	if err := os.WriteFile(filepath.Join(dir, "bgp.pw"), []byte("  s3cret-md5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(announceConfig, "peer-as: 64501}", "peer-as: 64501, password-file: bgp.pw, multihop: 2, ttl-security: true, max-prefixes: 10, max-prefix-restart: 30s}", 1)
	text = strings.Replace(text, "prepend: 2}", "prepend: 2, large-communities: [\"64500:1:53\"], med: 0}", 1)
	cfg, err := ParseConfig([]byte(text), dir)
	if err != nil {
		t.Fatal(err)
	}
	p, pr := cfg.Announce.Config.Peers[0], cfg.Announce.Config.Prefixes[0]
	if p.Password != "s3cret-md5" || p.Multihop != 2 || !p.TTLSecurity || p.MaxPrefixes != 10 || p.MaxPrefixRestart != 30*time.Second {
		t.Errorf("peer = %+v", p)
	}
	if len(pr.LargeCommunities) != 1 || pr.LargeCommunities[0] != "64500:1:53" || pr.MED == nil || *pr.MED != 0 {
		t.Errorf("prefix = %+v", pr)
	}
}

func TestAnnounceConfigErrors(t *testing.T) {
	dir := configDir(t)
	tests := []struct{ name, from, to, want string }{
		{"control not loopback", "control: 127.0.0.1:8954", "control: 192.0.2.1:8954", "not a loopback address"},
		{"bad metrics", "metrics: 127.0.0.1:9153", "metrics: localhost", "metrics"},
		{"service not listened", "127.0.0.1/32", "198.51.100.53/32", "not covered by listen"},
		{"no service", "127.0.0.1/32", "198.51.100.0/24", "announce.service: required"},
		{"bad prefix", "127.0.0.1/32", "127.0.0.1/33", "announce.prefixes[0].prefix"},
		{"bad neighbor", "neighbor: 192.0.2.2", "neighbor: router", "announce.peers[0].neighbor"},
		{"hold below 3s", "peer-as: 64501}", "peer-as: 64501, hold-time: 2s}", "announce.peers[0].hold-time: 2s below the 3 s minimum"},
		{"keepalive too long", "peer-as: 64501}", "peer-as: 64501, keepalive: 2s}", "more than a third"},
		{"no local AS", "  local-as: 64500\n", "", "announce.local-as: required"},
		{"bad community", "[no-export]", "[nope]", "nope"},
		{"bad mode", "  local-as:", "  mode: quagga\n  local-as:", "announce.mode: unknown mode"},
		{"bird without socket", "  local-as:", "  mode: bird\n  local-as:", "announce.bird.socket: required in bird mode"},
		{"fast interval", "interval: 100ms", "interval: 1ms", "below 50ms"},
		{"unknown key", "drain-wait:", "drain-time:", "drain-time"},
		{"missing password file", "peer-as: 64501}", "peer-as: 64501, password-file: nope.pw}", "announce.peers[0].password-file"},
		{"bad large community", "[no-export]", "[no-export], large-communities: [\"64500:1\"]", "large community"},
		{"large community overflow", "[no-export]", "[no-export], large-communities: [\"64500:1:4294967296\"]", "large community"},
		{"negative med", "[no-export]", "[no-export], med: -1", "-1"},
		{"short restart", "peer-as: 64501}", "peer-as: 64501, max-prefix-restart: 10ms}", "below 1 s"},
		{"multihop too far for GTSM", "peer-as: 64501}", "peer-as: 64501, multihop: 255, ttl-security: true}", "GTSM"},
		{"drain prepend over 10", "drain-wait: 1s", "drain-wait: 1s\n  drain-prepend: 11", "announce.drain-prepend: 11 out of 0..10"},
		{"bad graceful wait", "drain-wait: 1s", "drain-wait: 1s\n  graceful-wait: soon", "announce.graceful-wait"},
		{"bfd too fast", "  local-as:", "  mode: bird\n  bird: {include-file: /tmp/x.conf, socket: /tmp/b.ctl, bfd: {interval: 1ms}}\n  local-as:", "announce.bird.bfd.interval: 1ms out of 10ms..1m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(announceConfig, tc.from, tc.to, 1)
			if text == announceConfig {
				t.Fatalf("case does not change the config")
			}
			_, err := ParseConfig([]byte(text), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
