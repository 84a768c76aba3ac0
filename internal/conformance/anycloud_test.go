package conformance

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
)

func TestMain(m *testing.M) { os.Exit(testpeer.RunMain(m)) }

// anycloudServer is one running `anycloud serve`.
type anycloudServer struct {
	Addr   string
	cmd    *exec.Cmd
	output *testpeer.LogBuffer
	exited chan struct{}
}

// serveArgs is the fixed command line of `anycloud serve` for zones.
func serveArgs(listen []string, zones []peerconf.Zone, id peerconf.Identity) []string {
	args := []string{"serve"}
	for _, addr := range listen {
		args = append(args, "--listen", addr)
	}
	for _, z := range zones {
		args = append(args, "--zone", z.Origin+"="+z.File)
	}
	return append(args, "--nsid", id.NSID, "--identity", id.Identity, "--version", id.Version, "--rrl", "off")
}

// startAnycloud runs `anycloud serve` on a free loopback port (and on the
// extra listen addresses) and waits until it answers an authoritative SOA
// for every zone.
func startAnycloud(t *testing.T, zones []peerconf.Zone, extraListen ...string) *anycloudServer {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	s := runAnycloud(t, serveArgs(append([]string{addr}, extraListen...), zones, identity)...)
	s.Addr = addr
	deadline := time.Now().Add(testpeer.ReadyTimeout)
	for _, z := range zones {
		if err := s.waitSOA(z.Origin, deadline); err != nil {
			t.Fatalf("anycloud serve did not come up: %v\noutput:\n%s", err, s.output.String())
		}
	}
	return s
}

// runAnycloud starts the binary with args and stops it by PID at cleanup.
func runAnycloud(t *testing.T, args ...string) *anycloudServer {
	t.Helper()
	s := &anycloudServer{output: &testpeer.LogBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(testpeer.AnycloudBinary(t), args...)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start anycloud: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.stop)
	return s
}

// waitSOA polls in short slices so that an anycloud that exits (bad flag,
// bad zone) is reported at once rather than after the whole timeout.
func (s *anycloudServer) waitSOA(zone string, deadline time.Time) error {
	for time.Now().Before(deadline) {
		if testpeer.WaitSOA(s.Addr, zone, 200*time.Millisecond) == nil {
			return nil
		}
		if s.hasExited() {
			return fmt.Errorf("anycloud exited (%v) before serving %s", s.cmd.ProcessState, zone)
		}
	}
	return errors.New("no authoritative SOA for " + zone + " before the deadline")
}

func (s *anycloudServer) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group by PID, then SIGKILL after 5 s.
func (s *anycloudServer) stop() {
	if s.hasExited() {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
}
