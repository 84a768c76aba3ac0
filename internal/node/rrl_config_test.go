package node

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"anycloud/internal/authserver"
)

// TestRRLConfig: rate limiting is on with the BIND/Knot defaults unless the
// file turns it off; slip 0 means never truncate, as in BIND and NSD.
func TestRRLConfig(t *testing.T) {
	cases := []struct {
		name, section string
		want          *authserver.RRLConfig
		err           string
	}{
		{"absent: on with defaults", "", &authserver.RRLConfig{}, ""},
		{"off", "rrl: {enabled: false}\n", nil, ""},
		{"tuned", "rrl: {responses-per-second: 50, slip: 3, ipv4-prefix: 22, ipv6-prefix: 48, exempt: [192.0.2.7/24]}\n",
			&authserver.RRLConfig{ResponsesPerSecond: 50, Slip: 3, IPv4Prefix: 22, IPv6Prefix: 48, Exempt: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}, ""},
		{"slip 0 never truncates", "rrl: {slip: 0}\n", &authserver.RRLConfig{Slip: -1}, ""},
		{"bad slip", "rrl: {slip: 11}\n", nil, "rrl.slip"},
		{"bad prefix", "rrl: {ipv4-prefix: 33}\n", nil, "rrl.ipv4-prefix"},
		{"bad exempt", "rrl: {exempt: [somewhere]}\n", nil, "rrl.exempt[0]"},
		{"unknown key", "rrl: {rate: 5}\n", nil, "rate"},
	}
	dir := configDir(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := parseSection(t, dir, c.section, c.err)
			if cfg == nil {
				return
			}
			if !reflect.DeepEqual(cfg.RRL, c.want) {
				t.Fatalf("RRL %+v, want %+v", cfg.RRL, c.want)
			}
		})
	}
}

// parseSection parses goodConfig plus section. With wantErr it checks the
// error names it and returns nil; without, it fails on any error.
func parseSection(t *testing.T, dir, section, wantErr string) *Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(goodConfig+section), dir)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one naming %s", err, wantErr)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
