package authserver

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
	"anycloud/internal/zone"
)

// burstResult is what one /24 got back from a burst of UDP queries: full
// responses (answers or NODATA), truncated ones, none.
type burstResult struct{ full, slipped, dropped int }

// udpBurst sends one query per name from src to addr at once, then reads
// answers until none comes for 300ms: full answers, truncated (slipped)
// ones, and the rest dropped.
func udpBurst(t *testing.T, src, addr string, names []string, qtype uint16) burstResult {
	t.Helper()
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(src)}, net.UDPAddrFromAddrPort(mustAddrPort(t, addr)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadBuffer(1 << 20)
	for i, n := range names {
		m := new(dns.Msg).SetQuestion(n, qtype)
		m.Id = uint16(i + 1)
		b, _ := m.Pack()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	var r burstResult
	seen := map[uint16]bool{}
	buf := make([]byte, 4096)
	for len(seen) < len(names) {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		m := new(dns.Msg)
		if m.Unpack(buf[:n]) != nil || seen[m.Id] {
			continue
		}
		seen[m.Id] = true
		switch {
		case m.Truncated:
			r.slipped++
		default: // an answer, or NODATA
			r.full++
		}
	}
	r.dropped = len(names) - len(seen)
	return r
}

func mustAddrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp", s)
	if err != nil {
		t.Fatal(err)
	}
	return a.AddrPort()
}

func randomNames(prefix, suffix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d-%x.%s", prefix, i, time.Now().UnixNano()&0xFFFFFF, suffix)
	}
	return out
}

func sameName(name string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = name
	}
	return out
}

// TestRRLWildcard: 100 random names under *.example. from one /24, over
// the limit of 10 a second, are limited as 100 queries for one name are
// (before, all 100 were answered in full: each name had its own bucket),
// and as NSD limits them with the same settings (rrl-ratelimit 10, slip 2).
// Random names under a DNAME are grouped by the DNAME (NSD groups them here
// only because their target falls under the wildcard).
func TestRRLWildcard(t *testing.T) {
	const rate = 10
	s := New(Config{RRL: &RRLConfig{ResponsesPerSecond: rate, Slip: 2}, Logger: slog.New(slog.DiscardHandler)})
	z, err := zone.Load("example.", "testdata/example.zone")
	if err != nil {
		t.Fatal(err)
	}
	s.Publish(z)
	addr := startServing(t, s)[0]
	nsd := testpeer.StartNSD(t, peerconf.NSDOptions{
		Zones:        []peerconf.Zone{{Origin: "example.", File: "testdata/example.zone"}},
		RRLRatelimit: rate, RRLSlip: 2,
	})
	// At most two seconds' worth may pass if a burst straddles a second.
	const most = 2 * rate
	for i, tc := range []struct {
		name  string
		names []string
		qtype uint16
		nsd   bool // NSD limits them too
	}{
		{"one name", sameName("www.example.", 100), dns.TypeA, true},
		{"random names under *.example.", randomNames("r", "example.", 100), dns.TypeA, true},
		{"random names, wildcard TXT", randomNames("t", "example.", 100), dns.TypeTXT, true},
		{"random names, wildcard NODATA (MX)", randomNames("m", "example.", 100), dns.TypeMX, true},
		{"random names under a DNAME", randomNames("d", "dn.example.", 100), dns.TypeA, true},
	} {
		// Each case from its own /24, so buckets do not carry over.
		src := fmt.Sprintf("127.0.%d.1", 40+i)
		got := udpBurst(t, src, addr, tc.names, tc.qtype)
		ref := udpBurst(t, fmt.Sprintf("127.0.%d.1", 60+i), nsd.Addr, tc.names, tc.qtype)
		t.Logf("%s: anycloud %d full, %d truncated, %d dropped; NSD %d full, %d truncated, %d dropped",
			tc.name, got.full, got.slipped, got.dropped, ref.full, ref.slipped, ref.dropped)
		if got.full > most || got.slipped == 0 || got.dropped == 0 {
			t.Errorf("%s: %d of 100 answered in full (%d truncated, %d dropped), want at most %d and the rest limited",
				tc.name, got.full, got.slipped, got.dropped, most)
		}
		if tc.nsd && ref.full > 50 { // NSD's own accounting differs a little (19 of 100 here)
			t.Errorf("%s: NSD answered %d in full: the reference is not limiting", tc.name, ref.full)
		}
	}
}
