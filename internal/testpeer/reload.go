package testpeer

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Reload makes the peer re-read its zone files (after a test rewrote one),
// so that it serves the new serial and NOTIFYs the zones' Notify targets:
// knotc zone-reload through the peer's own control socket for Knot, SIGHUP
// to the peer's PID for NSD.
func (p *Peer) Reload(t testing.TB) {
	t.Helper()
	switch p.Name {
	case "knot":
		socket := filepath.Join(p.Dir, "knot.sock")
		out, err := exec.Command("knotc", "-s", socket, "zone-reload").CombinedOutput()
		if err != nil {
			t.Fatalf("testpeer: knotc zone-reload: %v\n%s", err, out)
		}
	case "nsd":
		if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGHUP); err != nil {
			t.Fatalf("testpeer: SIGHUP nsd (pid %d): %v", p.cmd.Process.Pid, err)
		}
	default:
		t.Fatalf("testpeer: reload of %s not supported", p.Name)
	}
}

// WaitSerial polls addr until it serves zone with an SOA serial of at least
// serial (serial arithmetic ignored: tests count up from small numbers).
func WaitSerial(addr, zone string, serial uint32, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
	var last uint32
	for time.Now().Before(deadline) {
		resp, _, err := client.Exchange(soaQuery(zone), addr)
		if err == nil && isAuthoritativeSOA(resp, zone) {
			last = soaSerial(resp)
			if last >= serial {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not serve %s with serial >= %d within %s (last seen %d)", addr, zone, serial, timeout, last)
}

func soaSerial(resp *dns.Msg) uint32 {
	for _, rr := range resp.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
	}
	return 0
}
