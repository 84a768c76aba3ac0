package hub

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// stormPrimary is a hostile client primary: once hostile, it bumps its
// serial on every SOA query and serves a zone the gate refuses (no NS at
// the apex), as a broken signer in a loop or an attacker would. It counts
// the SOA queries (checks) and transfers the hub makes.
type stormPrimary struct {
	addr       string
	key        *xfr.Key
	serial     atomic.Uint32
	hostile    atomic.Bool
	acceptable atomic.Bool // hostile, but its versions pass the gate
	good, bad  []dns.RR    // without SOA
	soas       atomic.Int64
	transfers  atomic.Int64
}

func startStormPrimary(t *testing.T, hosts int) *stormPrimary {
	t.Helper()
	p := &stormPrimary{}
	p.key, _ = xfr.NewKey("client-key.", "hmac-sha256", clientSecret)
	p.serial.Store(1)
	zp := dns.NewZoneParser(strings.NewReader(testpeer.ZoneText("example.", 1, 3600, 600, 86400, hosts)), "example.", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if rr.Header().Rrtype == dns.TypeSOA {
			continue
		}
		p.good = append(p.good, rr)
		if !(rr.Header().Rrtype == dns.TypeNS && rr.Header().Name == "example.") {
			p.bad = append(p.bad, rr)
		}
	}
	p.addr = fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	for _, network := range []string{"udp", "tcp"} {
		up := make(chan struct{})
		s := &dns.Server{Addr: p.addr, Net: network, Handler: p, TsigProvider: xfr.Provider(p.key),
			NotifyStartedFunc: func() { close(up) }}
		go s.ListenAndServe()
		<-up
		t.Cleanup(func() { s.Shutdown() })
	}
	return p
}

func (p *stormPrimary) soa(serial uint32) *dns.SOA {
	rr, _ := dns.NewRR(fmt.Sprintf("example. 3600 IN SOA ns1.example. hostmaster.example. %d 3600 600 86400 3600", serial))
	return rr.(*dns.SOA)
}

func (p *stormPrimary) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR: // IXFR answered AXFR-style (RFC 1995 section 4)
		if w.RemoteAddr().Network() == "udp" { // too large for UDP: the SOA alone says "use TCP"
			m := new(dns.Msg).SetReply(req)
			m.Answer = []dns.RR{p.soa(p.serial.Load())}
			if t := req.IsTsig(); t != nil {
				m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
			}
			w.WriteMsg(m)
			return
		}
		p.transfers.Add(1)
		soa, body := p.soa(p.serial.Load()), p.good
		if p.hostile.Load() && !p.acceptable.Load() {
			body = p.bad
		}
		ch := make(chan *dns.Envelope)
		done := make(chan error, 1)
		go func() { done <- new(dns.Transfer).Out(w, req, ch) }()
		// The opening SOA with records: alone in a message, it would read
		// as IXFR's "only the SOA" answer.
		all := append(append([]dns.RR{soa}, body...), soa)
		for i := 0; i < len(all); i += 500 {
			ch <- &dns.Envelope{RR: all[i:min(i+500, len(all))]}
		}
		close(ch)
		<-done
	default:
		m := new(dns.Msg).SetReply(req)
		m.Authoritative = true
		if q.Qtype == dns.TypeSOA {
			p.soas.Add(1)
			serial := p.serial.Load()
			if p.hostile.Load() {
				serial = p.serial.Add(1)
			}
			m.Answer = []dns.RR{p.soa(serial)}
		}
		if t := req.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
		}
		w.WriteMsg(m)
	}
}

// stormFigures is what a NOTIFY storm cost the hub.
type stormFigures struct {
	notifies, checks, transfers int64
	copies                      int
	bytes                       int64
	stormLogs, notifyLogs       int
}

// runStorm starts a hub (hub.yaml's limits: section given) on a stormPrimary
// serving hosts delegations, lets it accept serial 1, turns the primary
// hostile and sends a NOTIFY every 20 ms for d, then reports.
func runStorm(t *testing.T, limits string, hosts int, acceptable bool, d time.Duration) (*testHub, stormFigures) {
	p := startStormPrimary(t, hosts)
	p.acceptable.Store(acceptable)
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	yaml := hubYAML(hubPort, dir, []string{p.addr}, limits)
	if limits == "" { // the figures: every default, timeouts.min-refresh (5s) too
		yaml = strings.Replace(yaml, "  min-refresh: 1s\n", "", 1)
	}
	th := startHub(t, dir, hubPort, yaml)
	th.waitSerial(t, "example.", 1, 10*time.Second)
	p.hostile.Store(true)
	before := p.soas.Load()
	beforeXfr := p.transfers.Load()
	c := xfr.Client{Key: p.key, Timeout: time.Second}
	var f stormFigures
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c.Notify(context.Background(), th.addr, p.soa(p.serial.Load())) == nil {
			f.notifies++
		}
	}
	time.Sleep(500 * time.Millisecond) // let the check under way finish
	f.checks, f.transfers = p.soas.Load()-before, p.transfers.Load()-beforeXfr
	entries, _ := os.ReadDir(filepath.Join(dir, "storage", "rejected"))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !strings.HasPrefix(e.Name(), ".") {
			f.copies++
			f.bytes += info.Size()
		}
	}
	logs := th.logs.String()
	if os.Getenv("STORM_DEBUG") != "" {
		t.Log(logs)
	}
	f.stormLogs = strings.Count(logs, `msg="NOTIFY storm:`)
	f.notifyLogs = strings.Count(logs, `msg="NOTIFY received"`)
	t.Logf("%d NOTIFYs in %v: %d checks, %d transfers, %d rejected copies kept (%.1f MB), %d storm log lines, %d NOTIFY log lines",
		f.notifies, d, f.checks, f.transfers, f.copies, float64(f.bytes)/1e6, f.stormLogs, f.notifyLogs)
	return th, f
}

// stormSeconds is how long the storm lasts: 3 s, or ANYCLOUD_STORM_SECONDS
// for the figures in docs/reliability.md (30).
func stormSeconds() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("ANYCLOUD_STORM_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 3 * time.Second
}

// TestNotifyStormBounded: a primary that bumps its serial on every SOA
// query and sends NOTIFY every 20 ms gets at most one check per
// min-notify-interval, or per min-refresh (1s here) while the gate refuses
// its versions; at most max-rejected-copies and max-rejected-megabytes of
// rejected copies are kept; the storm is logged once, and a refused
// version never replaces the one in service.
func TestNotifyStormBounded(t *testing.T) {
	cases := []struct {
		name       string
		limits     string
		hosts      int
		acceptable bool
		every      time.Duration // at most one check per every
		maxCopies  int
		maxBytes   int64
	}{
		{"refused, copies", "limits: {min-notify-interval: 300ms, max-rejected-copies: 2}", 100, false, time.Second, 2, 256 << 20},
		{"refused, bytes", "limits: {min-notify-interval: 300ms, max-rejected-copies: 1000, max-rejected-megabytes: 1}", 4000, false, time.Second, 1000, 1 << 20},
		{"accepted", "limits: {min-notify-interval: 300ms}", 100, true, 300 * time.Millisecond, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := stormSeconds()
			th, f := runStorm(t, c.limits, c.hosts, c.acceptable, d)
			if f.copies > c.maxCopies || f.bytes > c.maxBytes {
				t.Errorf("%d rejected copies, %d bytes kept: over the limits %d copies, %d bytes", f.copies, f.bytes, c.maxCopies, c.maxBytes)
			}
			if !c.acceptable && f.copies == 0 {
				t.Errorf("no rejected copy kept at all")
			}
			// One check at the storm's start, then one per interval; a
			// little slack for the check under way when it ended.
			if bound := int64(d/c.every) + 3; f.checks > bound || f.transfers > bound {
				t.Errorf("%d checks and %d transfers for %d NOTIFYs in %v: more than %d at one per %v", f.checks, f.transfers, f.notifies, d, bound, c.every)
			}
			if f.checks < 2 {
				t.Errorf("%d checks: NOTIFYs held for good, not merged into a later check", f.checks)
			}
			if f.notifies < int64(d/(100*time.Millisecond)) {
				t.Errorf("only %d NOTIFYs answered: the storm did not happen", f.notifies)
			}
			if f.stormLogs != 1 || f.notifyLogs > int(f.checks)+2 {
				t.Errorf("storm logged %d times, %d NOTIFYs logged at info: want once, and no line per NOTIFY held", f.stormLogs, f.notifyLogs)
			}
			st, _ := th.ZoneStatus("example.")
			if st.Refresh == nil || st.Refresh.NotifiesHeld == 0 {
				t.Errorf("status does not count the NOTIFYs held: %+v", st.Refresh)
			}
			if !c.acceptable {
				assertKept(t, th, 1, st, "no NS record at the apex")
			} else if v := th.Current("example."); v == nil || v.Serial() < 2 {
				t.Errorf("the acceptable versions were not taken: %v", v)
			}
		})
	}
}

// TestNotifyStormFigures measures a storm against the hub's defaults
// for docs/reliability.md; it runs only with ANYCLOUD_STORM_SECONDS set:
//
//	ANYCLOUD_STORM_SECONDS=30 go test -run TestNotifyStormFigures -v ./internal/hub
func TestNotifyStormFigures(t *testing.T) {
	if os.Getenv("ANYCLOUD_STORM_SECONDS") == "" {
		testenv.SkipByChoice(t, "set ANYCLOUD_STORM_SECONDS to measure")
	}
	runStorm(t, "", 4000, false, stormSeconds())
}
