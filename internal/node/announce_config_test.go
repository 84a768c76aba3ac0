package node

import (
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
	if c.Peers[0].HoldTime != announce.DefaultHoldTime || c.Health.Interval != 100*time.Millisecond || c.Health.Fall != 2 ||
		c.DrainWait != time.Second || c.Prefixes[0].Prepend != 2 || cfg.Control != "127.0.0.1:8954" {
		t.Fatalf("unexpected announce config %+v", c)
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
		{"hold below 3s", "peer-as: 64501}", "peer-as: 64501, hold-time: 2s}", "below the 3 s minimum"},
		{"keepalive too long", "peer-as: 64501}", "peer-as: 64501, keepalive: 2s}", "more than a third"},
		{"no local AS", "  local-as: 64500\n", "", "local AS"},
		{"bad community", "[no-export]", "[nope]", "nope"},
		{"bad mode", "  local-as:", "  mode: quagga\n  local-as:", "unknown mode"},
		{"bird without socket", "  local-as:", "  mode: bird\n  local-as:", "include file"},
		{"fast interval", "interval: 100ms", "interval: 1ms", "below 50ms"},
		{"unknown key", "drain-wait:", "drain-time:", "drain-time"},
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
