package authserver

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestCountAway: queries from another host count; the host's own (from
// loopback, or from the address itself, as a health check to a service
// address on lo comes) do not.
func TestCountAway(t *testing.T) {
	local := netip.MustParseAddr("198.51.100.53")
	for _, tc := range []struct {
		src  string
		want uint64
	}{
		{"203.0.113.9:5300", 1},
		{"[2001:db8::9]:5300", 1},
		{"127.0.0.1:5300", 0},
		{"[::1]:5300", 0},
		{"198.51.100.53:5300", 0},
		{"[::ffff:198.51.100.53]:5300", 0},
		{"[::ffff:203.0.113.9]:5300", 1},
	} {
		var c atomic.Uint64
		countAway(&c, netip.MustParseAddrPort(tc.src), local)
		if c.Load() != tc.want {
			t.Errorf("from %s: counted %d, want %d", tc.src, c.Load(), tc.want)
		}
	}
}

// TestQueriesFromAwayServe: a real server on loopback keeps one counter
// per local address over UDP and TCP, and queries from loopback leave it
// at zero (the counter exists: the address is listed).
func TestQueriesFromAwayServe(t *testing.T) {
	s := New(Config{})
	addrs := startServing(t, s)
	// The UDP loops register their counters as they start.
	for i := 0; ; i++ {
		s.away.mu.Lock()
		n := len(s.away.m[netip.MustParseAddr("127.0.0.1")])
		s.away.mu.Unlock()
		if n > 0 {
			break
		}
		if i == 100 {
			t.Fatal("no counter registered for 127.0.0.1")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Queries from loopback over UDP and over TCP: answered, not counted.
	for _, network := range []string{"udp", "tcp"} {
		q := new(dns.Msg)
		q.SetQuestion("example.", dns.TypeSOA)
		if _, _, err := (&dns.Client{Net: network, Timeout: 2 * time.Second}).Exchange(q, addrs[0]); err != nil {
			t.Fatalf("%s query: %v", network, err)
		}
	}
	if got := s.QueriesFromAway(netip.MustParseAddr("127.0.0.1")); got != 0 {
		t.Errorf("QueriesFromAway = %d after queries from loopback, want 0", got)
	}
}
