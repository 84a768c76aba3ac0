package faults

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"anycloud/internal/authserver"
	"anycloud/internal/lab"
	"anycloud/internal/metrics"
	"anycloud/internal/node"
	"anycloud/internal/zone"
)

// Response rate limiting under a reflection flood, in a namespace of its
// own: 60 spoofed-looking IPv4 sources in one /24 and 20 IPv6 sources in
// twenty /56s each ask 100 times a second for a large TXT RRset (the
// attacker's amplifier), while a client in another /24 and a resolver-like
// client inside the flooded /24 ask the same name. The server runs with the
// rate limiting a node gets when its configuration says nothing about it.
//
// Run: sudo go test -run TestRRLFlood -v ./internal/faults/

const (
	serviceV4    = "192.0.2.53"
	serviceV6    = "2001:db8:53::53"
	legitOther   = "203.0.113.10"   // another /24 than the flood
	legitFlooded = "198.51.100.200" // inside the flooded /24: gets slips, retries over TCP
	floodV4      = 60
	floodV6      = 20
	floodEvery   = 10 * time.Millisecond // per source: 100 queries/s
	floodFor     = 4 * time.Second
)

const bigZone = `$TTL 3600
example. IN SOA ns1.example. hostmaster.example. 1 3600 600 86400 300
example. IN NS ns1.example.
ns1.example. IN A 192.0.2.1
www.example. IN A 192.0.2.80
`

func floodAddrs() (v4, v6 []string) {
	for i := 1; i <= floodV4; i++ {
		v4 = append(v4, fmt.Sprintf("198.51.100.%d", i))
	}
	for i := 1; i <= floodV6; i++ {
		v6 = append(v6, fmt.Sprintf("2001:db8:bad:%x00::1", i)) // one /56 each
	}
	return v4, v6
}

// bigZoneText adds a TXT RRset of about 1 KB at big.example.
func bigZoneText() string {
	var b strings.Builder
	b.WriteString(bigZone)
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&b, "big.example. IN TXT \"%02d %s\"\n", i, strings.Repeat("x", 110))
	}
	return b.String()
}

// nodeDefaultRRL is the limiter of a node whose configuration has no rrl:
// section.
func nodeDefaultRRL(t *testing.T) *authserver.RRLConfig {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "k"), []byte("c2VjcmV0LW9mLXRoZS1ub2RlLWtleS0wMTIzNDU2Nzg5YWI=\n"), 0o600)
	cfg, err := node.ParseConfig([]byte(`listen: ["127.0.0.1:53"]
storage: /nonexistent
catalog: catalog.anycloud.
hub: {addresses: ["192.0.2.5"], tsig: {name: k., algorithm: hmac-sha256, secret-file: k}}
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RRL == nil {
		t.Fatal("a node without an rrl: section does not rate-limit")
	}
	return cfg.RRL
}

// serveIn runs s on the service addresses inside ns.
func serveIn(t *testing.T, ns string, s *authserver.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- lab.InNamespace(ns, func() error {
			return s.Serve(ctx, []string{serviceV4 + ":53", "[" + serviceV6 + "]:53"}, func() { close(ready) })
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done })
}

// udpFrom opens a UDP socket bound to src inside ns.
func udpFrom(t *testing.T, ns, src string) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	err := lab.InNamespace(ns, func() (err error) {
		c, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(src)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

// floodCount is what one family's flood sent and got back; full counts
// answers that were not truncated (the amplifying ones).
type floodCount struct{ sent, sentBytes, recv, recvBytes, full atomic.Int64 }

func (n *floodCount) amplification() float64 {
	return float64(n.recvBytes.Load()) / float64(max(1, n.sentBytes.Load()))
}

// flood sends the big TXT query from c every floodEvery until stop, and
// counts what comes back.
func flood(c *net.UDPConn, dst string, n *floodCount, stop <-chan struct{}, wg *sync.WaitGroup) {
	q := new(dns.Msg).SetQuestion("big.example.", dns.TypeTXT)
	q.SetEdns0(4096, false)
	wire, _ := q.Pack()
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(net.JoinHostPort(dst, "53")))
	wg.Add(2)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65535)
		for {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			n.recv.Add(1)
			n.recvBytes.Add(int64(k))
			if k > 2 && buf[2]&0x02 == 0 { // TC bit clear
				n.full.Add(1)
			}
		}
	}()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(floodEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if k, err := c.WriteToUDP(wire, to); err == nil {
					n.sent.Add(1)
					n.sentBytes.Add(int64(k))
				}
			}
		}
	}()
}

// legitResult counts a legitimate client's outcomes.
type legitResult struct {
	asked, answered, truncated, tcpFallbacks, retries int
}

// askLikeResolver asks over UDP from src; a truncated answer is retried
// over TCP, a lost one over UDP again, up to attempts times in all.
func askLikeResolver(ns, src, dst string, attempts int, r *legitResult) {
	q := new(dns.Msg).SetQuestion("big.example.", dns.TypeTXT)
	q.SetEdns0(1232, false)
	server := net.JoinHostPort(dst, "53")
	r.asked++
	for i := 0; i < attempts; i++ {
		if i > 0 {
			r.retries++
		}
		m, err := exchangeIn(ns, "udp", src, server, q, 250*time.Millisecond)
		if err != nil {
			continue
		}
		if m.Truncated {
			r.truncated++
			r.tcpFallbacks++
			if m, err = exchangeIn(ns, "tcp", src, server, q, time.Second); err != nil || m.Truncated {
				continue
			}
		}
		if m.Rcode == dns.RcodeSuccess && len(m.Answer) == 8 {
			r.answered++
		}
		return
	}
}

func exchangeIn(ns, network, src, server string, q *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	var local net.Addr = &net.UDPAddr{IP: net.ParseIP(src)}
	if network == "tcp" {
		local = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c := &dns.Client{Net: network, Timeout: timeout, Dialer: &net.Dialer{LocalAddr: local, Timeout: timeout}}
	var conn *dns.Conn
	if err := lab.InNamespace(ns, func() (err error) { conn, err = c.Dial(server); return err }); err != nil {
		return nil, err
	}
	defer conn.Close()
	q.Id = dns.Id()
	m, _, err := c.ExchangeWithConn(q, conn)
	return m, err
}

type floodOutcome struct {
	v4, v6           *floodCount
	seconds          float64
	other, flooded   legitResult
	limited, slipped uint64
}

// runFlood serves the big zone with rrl (nil: off) in a fresh namespace and
// floods it while the two legitimate clients ask.
func runFlood(t *testing.T, rrl *authserver.RRLConfig) (floodOutcome, *authserver.Server) {
	v4, v6 := floodAddrs()
	ns := newNamespace(t, append(append([]string{serviceV4, serviceV6, legitOther, legitFlooded}, v4...), v6...))
	z, err := zone.Parse(strings.NewReader(bigZoneText()), "example.", "big.zone")
	if err != nil {
		t.Fatal(err)
	}
	s := authserver.New(authserver.Config{RRL: rrl, Logger: slog.New(slog.DiscardHandler)})
	s.Publish(z)
	serveIn(t, ns, s)

	out := floodOutcome{v4: &floodCount{}, v6: &floodCount{}}
	stop := make(chan struct{})
	start := time.Now()
	var wg sync.WaitGroup
	var socks []*net.UDPConn
	for _, a := range v4 {
		socks = append(socks, udpFrom(t, ns, a))
		flood(socks[len(socks)-1], serviceV4, out.v4, stop, &wg)
	}
	for _, a := range v6 {
		socks = append(socks, udpFrom(t, ns, a))
		flood(socks[len(socks)-1], serviceV6, out.v6, stop, &wg)
	}
	time.Sleep(300 * time.Millisecond) // the flood has exhausted its buckets
	var lwg sync.WaitGroup
	lwg.Add(2)
	go func() { defer lwg.Done(); legitLoop(ns, legitOther, 1, &out.other) }()
	go func() { defer lwg.Done(); legitLoop(ns, legitFlooded, 6, &out.flooded) }()
	lwg.Wait()
	close(stop)
	out.seconds = time.Since(start).Seconds()
	time.Sleep(200 * time.Millisecond) // the last answers arrive
	for _, c := range socks {
		c.Close()
	}
	wg.Wait()
	st := s.RRLStats()
	out.limited, out.slipped = st.Limited, st.Slipped
	return out, s
}

// legitLoop asks ten times a second for floodFor.
func legitLoop(ns, src string, attempts int, r *legitResult) {
	end := time.Now().Add(floodFor)
	for time.Now().Before(end) {
		next := time.Now().Add(100 * time.Millisecond)
		askLikeResolver(ns, src, serviceV4, attempts, r)
		time.Sleep(time.Until(next))
	}
}

func TestRRLFlood(t *testing.T) {
	requireRoot(t)
	var on floodOutcome
	t.Run("rrl-on", func(t *testing.T) {
		var s *authserver.Server
		on, s = runFlood(t, nodeDefaultRRL(t))
		report(t, "node default (20/s per /24 or /56, slip 2)", on)
		// A victim's prefix receives at most 20 full answers a second
		// (one more second's worth for the window boundaries), however
		// fast the flood: the reflected volume is bounded by the limit,
		// and a flood far above it is reflected at less than its size.
		secs := math.Ceil(on.seconds) + 1
		if full := on.v4.full.Load(); float64(full) > 20*secs {
			t.Errorf("flooded /24 got %d full answers in %.1f s, more than 20/s", full, on.seconds)
		}
		if full := on.v6.full.Load(); float64(full) > floodV6*20*secs {
			t.Errorf("%d flooded /56s got %d full answers in %.1f s, more than 20/s each", floodV6, full, on.seconds)
		}
		if a := on.v4.amplification(); a > 1.0 {
			t.Errorf("amplification %.2f towards the /24 flooded at 6000 queries/s: reflected more than received", a)
		}
		if on.other.answered != on.other.asked {
			t.Errorf("client outside the flooded prefix: %d of %d answered", on.other.answered, on.other.asked)
		}
		if on.flooded.tcpFallbacks == 0 || float64(on.flooded.answered) < 0.75*float64(on.flooded.asked) {
			t.Errorf("resolver inside the flooded /24: %d of %d answered, %d TCP fallbacks", on.flooded.answered, on.flooded.asked, on.flooded.tcpFallbacks)
		}
		checkRRLMetrics(t, s, on)
	})
	t.Run("rrl-off", func(t *testing.T) {
		off, _ := runFlood(t, nil)
		report(t, "rate limiting off", off)
		if off.v4.amplification() < 5*on.v4.amplification() {
			t.Errorf("without rate limiting the /24 sees amplification %.2f, not clearly above %.2f: the flood does not measure what it should",
				off.v4.amplification(), on.v4.amplification())
		}
	})
}

func report(t *testing.T, what string, o floodOutcome) {
	for _, f := range []struct {
		name string
		n    *floodCount
	}{{fmt.Sprintf("%d IPv4 sources in one /24", floodV4), o.v4}, {fmt.Sprintf("%d IPv6 sources in %d /56s", floodV6, floodV6), o.v6}} {
		t.Logf("%s: flood from %s: %d queries in %.1f s, %d answers of which %d full size, amplification %.2f (bytes out / bytes in)",
			what, f.name, f.n.sent.Load(), o.seconds, f.n.recv.Load(), f.n.full.Load(), f.n.amplification())
	}
	t.Logf("%s: limited %d, slipped %d; client in another /24: %d/%d answered; resolver in the flooded /24: %d/%d answered, %d truncated -> TCP, %d UDP retries",
		what, o.limited, o.slipped, o.other.answered, o.other.asked, o.flooded.answered, o.flooded.asked, o.flooded.tcpFallbacks, o.flooded.retries)
}

// checkRRLMetrics: what the limiter did is in the node's /metrics.
func checkRRLMetrics(t *testing.T, s *authserver.Server, o floodOutcome) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewNodeCollector(metrics.NodeSources{RRL: s.RRLStats}))
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			got[f.GetName()] = m.GetCounter().GetValue()
		}
	}
	lim, slip := got["anycloud_rrl_limited_responses_total"], got["anycloud_rrl_slipped_responses_total"]
	if lim < float64(o.limited) || slip == 0 || lim == 0 {
		t.Errorf("metrics: limited %v slipped %v (server counted %d, %d); exported: %v", lim, slip, o.limited, o.slipped, got)
	}
}
