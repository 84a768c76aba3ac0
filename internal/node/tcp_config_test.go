package node

import (
	"testing"
	"time"

	"anycloud/internal/authserver"
	"anycloud/internal/tcpslots"
)

// TestTCPConfig: the tcp section sets the listener's TCP limits over the
// defaults and rejects values that make no sense.
func TestTCPConfig(t *testing.T) {
	cases := []struct {
		name, section string
		want          tcpslots.Limits
		err           string
	}{
		{"absent: defaults", "", authserver.DefaultTCP, ""},
		{"tuned", "tcp: {max-connections: 500, max-per-prefix: 20, idle-timeout: 5s}\n",
			tcpslots.Limits{MaxConns: 500, MaxPerPrefix: 20, IdleTimeout: 5 * time.Second}, ""},
		{"negative", "tcp: {max-per-prefix: -1}\n", tcpslots.Limits{}, "tcp.max-per-prefix"},
		{"share over total", "tcp: {max-connections: 50}\n", tcpslots.Limits{}, "tcp.max-per-prefix"},
		{"idle too short", "tcp: {idle-timeout: 10ms}\n", tcpslots.Limits{}, "tcp.idle-timeout"},
		{"idle not a duration", "tcp: {idle-timeout: soon}\n", tcpslots.Limits{}, "tcp.idle-timeout"},
		{"unknown key", "tcp: {max-clients: 5}\n", tcpslots.Limits{}, "max-clients"},
	}
	dir := configDir(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := parseSection(t, dir, c.section, c.err)
			if cfg == nil {
				return
			}
			if cfg.TCP.MaxConns != c.want.MaxConns || cfg.TCP.MaxPerPrefix != c.want.MaxPerPrefix || cfg.TCP.IdleTimeout != c.want.IdleTimeout {
				t.Fatalf("TCP %+v, want %+v", cfg.TCP, c.want)
			}
		})
	}
}
