package testpeer

import (
	"fmt"
	"net"
	"testing"
)

// FreePort returns a port on 127.0.0.1 that was free for both UDP
// and TCP a moment ago. Another process may still take it before the
// daemon binds it; the Start functions retry with a new port when the
// daemon dies early for that reason.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := PickFreePort()
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	return port
}

// FreeAddr is FreePort as "127.0.0.1:PORT".
func FreeAddr(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", FreePort(t))
}

// PickFreePort is FreePort for code without a test (the bench): 20 tries,
// then an error.
func PickFreePort() (int, error) {
	for range 20 {
		if port, err := freePort(); err == nil {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free loopback port for UDP and TCP after 20 tries")
}

func freePort() (int, error) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("listen udp: %w", err)
	}
	defer udp.Close()
	port := udp.LocalAddr().(*net.UDPAddr).Port
	tcp, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return 0, fmt.Errorf("listen tcp on %d: %w", port, err)
	}
	tcp.Close()
	return port, nil
}
