package announce

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
)

// TestSOACheckAgainstKnot runs the SOA check against a real Knot DNS.
func TestSOACheckAgainstKnot(t *testing.T) {
	zoneFile, _ := filepath.Abs("testdata/svc.test.zone")
	knot := testpeer.StartKnot(t, peerconf.KnotOptions{Zones: []peerconf.Zone{{Origin: "svc.test.", File: zoneFile}}})
	loopback := netip.MustParseAddr("127.0.0.1")
	silentPort := testpeer.FreePort(t)
	tests := []struct {
		name  string
		port  int
		zones []string
		ok    bool
	}{
		{"served zone", knot.Port, []string{"svc.test."}, true},
		{"zone not served", knot.Port, []string{"svc.test.", "other.test."}, false},
		{"nothing served", knot.Port, nil, false},
		{"nobody listening", silentPort, []string{"svc.test."}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := SOACheck(loopback, tc.port, func() []string { return tc.zones })
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := c.Run(ctx)
			if (err == nil) != tc.ok {
				t.Errorf("check = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestExpiredCheck(t *testing.T) {
	var expired []string
	c := ExpiredCheck(func() []string { return expired })
	if err := c.Run(context.Background()); err != nil {
		t.Errorf("no expired zones: %v", err)
	}
	expired = []string{"sv."}
	if err := c.Run(context.Background()); err == nil {
		t.Error("expired zone passed")
	}
}
