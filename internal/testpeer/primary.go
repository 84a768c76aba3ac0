package testpeer

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
)

// PrimaryOptions describes a Knot primary of one zone.
type PrimaryOptions struct {
	Origin    string // "example."
	ZoneText  string // master file content
	KeyName   string // TSIG key allowed to transfer; empty: none
	Algorithm string // e.g. "hmac-sha256"
	Secret    string // base64
	NotifyTo  string // "127.0.0.1:PORT" to NOTIFY on every change; empty: none
	Port      int    // 0: a free port
	ZONEMD    bool   // let Knot add a ZONEMD (SHA384) record
}

// Primary is a running knotd.
type Primary struct {
	Addr string
	Port int
	opts PrimaryOptions
	dir  string
	conf string
	proc *Process
	out  *LogBuffer
	t    testing.TB
}

// StartPrimary runs knotd as the primary of one zone, with a TSIG key,
// an ACL for transfers, NOTIFY to a given address, and a journal
// (zonefile-load: difference), so a test can rewrite the zone file, reload,
// and see Knot answer IXFR with true differences. It waits until knotd
// answers the zone's SOA. The test is an interoperability test
// (testenv.Interop), skipped (testenv.Skip) when knotd is not installed.
func StartPrimary(t testing.TB, opts PrimaryOptions) *Primary {
	t.Helper()
	testenv.Interop(t, "knotd")
	testenv.RequireCommand(t, "knotd")
	p := &Primary{opts: opts, dir: t.TempDir(), t: t}
	p.Port = opts.Port
	if p.Port == 0 {
		p.Port = FreePort(t)
	}
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port))
	p.conf = filepath.Join(p.dir, "knot.conf")
	if err := os.WriteFile(p.conf, []byte(p.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	p.WriteZone(opts.ZoneText)
	p.start()
	t.Cleanup(p.Stop)
	return p
}

func (p *Primary) start() {
	p.t.Helper()
	proc, err := startProcess("knotd", p.dir, []string{"knotd", "-c", p.conf})
	if err != nil {
		p.t.Fatal(err)
	}
	p.proc, p.out = proc, proc.output
	if err := WaitSOASerial(p.Addr, p.opts.Origin, 0, 2*time.Minute); err != nil { // a large zone on a busy machine
		p.Stop()
		p.t.Fatalf("knotd not ready: %v\n%s", err, p.out.String())
	}
}

// Stop ends the knotd this Primary started (by its PID) and waits for it.
func (p *Primary) Stop() {
	if p.proc == nil {
		return
	}
	p.proc.stop(p.t)
	p.proc = nil
}

// Restart stops knotd and starts it again on the same port and state.
func (p *Primary) Restart() {
	p.Stop()
	p.start()
}

// Log returns what knotd printed.
func (p *Primary) Log() string { return p.out.String() }

// WriteZone replaces the zone file (call Reload to make Knot read it).
func (p *Primary) WriteZone(text string) {
	if err := os.WriteFile(p.zoneFile(), []byte(text), 0o600); err != nil {
		p.t.Fatal(err)
	}
}

// Reload makes Knot read the zone file again; it computes the difference,
// journals it and sends NOTIFY. For a large zone that takes a while: see
// Transact for the incremental way.
func (p *Primary) Reload() {
	p.t.Helper()
	out, err := exec.Command("knotc", "-c", p.conf, "zone-reload", p.opts.Origin).CombinedOutput()
	if err != nil {
		p.t.Fatalf("knotc zone-reload: %v: %s", err, out)
	}
}

// WaitSerial waits until Knot serves serial (a reload of a large zone on a
// busy machine can take tens of seconds).
func (p *Primary) WaitSerial(serial uint32) {
	p.t.Helper()
	if err := WaitSOASerial(p.Addr, p.opts.Origin, serial, 2*time.Minute); err != nil {
		p.t.Fatalf("knotd: %v\n%s", err, p.out.String())
	}
}

func (p *Primary) zoneFile() string { return filepath.Join(p.dir, "zone.db") }

// WaitSOASerial waits until addr answers an authoritative SOA for origin,
// with exactly serial when it is not 0 (WaitSerial accepts any later one).
func WaitSOASerial(addr, origin string, serial uint32, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	last := "no answer"
	for time.Now().Before(deadline) {
		q := new(dns.Msg)
		q.SetQuestion(origin, dns.TypeSOA)
		r, _, err := c.Exchange(q, addr)
		switch {
		case err != nil:
			last = err.Error()
		case r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) == 0:
			last = "rcode " + dns.RcodeToString[r.Rcode]
		default:
			soa, ok := r.Answer[0].(*dns.SOA)
			if ok && (serial == 0 || soa.Serial == serial) {
				return nil
			}
			if ok {
				last = fmt.Sprintf("serial %d", soa.Serial)
			}
		}
		time.Sleep(10 * time.Millisecond) // the propagation figures are read to this
	}
	return fmt.Errorf("%s %s: want serial %d, last: %s", addr, origin, serial, last)
}

// Dir is the primary's private directory (config, pid file, zone file).
func (p *Primary) Dir() string { return p.dir }
