package hub

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// Tests of the hub listener's TCP slots over loopback sockets; sources in
// other /24s are addresses of 127.0.0.0/8, all on lo. The hub's primary
// is a closed port: only the listener matters here.

// hubAnswers sends an unsigned SOA query on c and reports whether the hub
// answered (REFUSED is an answer: the connection was served).
func hubAnswers(c net.Conn) bool {
	_, err := testpeer.QueryOnConn(c, "example.")
	return err == nil
}

func startListenerHub(t *testing.T, extra string) *testHub {
	dir := t.TempDir()
	port := testpeer.FreePort(t)
	return startHub(t, dir, port, hubYAML(port, dir, []string{"127.0.0.1:1"}, extra))
}

// TestHubTCPPerPrefix: 3000 connections from one address of a /24 that is
// no node's: the hub serves max-per-prefix of them (it accepted all 3000
// before), another /24 is still served, and the configured node's address
// is not held to the share.
func TestHubTCPPerPrefix(t *testing.T) {
	th := startListenerHub(t, "tcp: {idle-timeout: 1m}\n") // the default shares; none times out on a slow machine
	held := 0
	for i := 0; i < 3000; i++ {
		if hubAnswers(testpeer.DialFrom(t, "127.0.5.1", th.addr)) {
			held++
		}
	}
	t.Logf("connections the hub holds from one address: %d of 3000", held)
	if held != DefaultTCP.MaxPerPrefix {
		t.Errorf("one address holds %d connections, want %d", held, DefaultTCP.MaxPerPrefix)
	}
	if !hubAnswers(testpeer.DialFrom(t, "127.0.6.1", th.addr)) {
		t.Error("another /24 is not served")
	}
	node := 0
	for i := 0; i < DefaultTCP.MaxPerPrefix+10; i++ {
		if hubAnswers(testpeer.DialFrom(t, "127.0.0.1", th.addr)) { // node1's address
			node++
		}
	}
	if node != DefaultTCP.MaxPerPrefix+10 {
		t.Errorf("the node's address holds %d connections, want all %d", node, DefaultTCP.MaxPerPrefix+10)
	}
}

// TestHubTCPEvictAndIdle: with every slot taken, a new client is served in
// place of the idlest connection; and a connection that only sends empty
// frames is closed an idle timeout after its last answer (before, each
// empty frame reset the timer).
func TestHubTCPEvictAndIdle(t *testing.T) {
	th := startListenerHub(t, "tcp: {max-connections: 6, max-per-prefix: 2, idle-timeout: 1s}\n")
	var conns []net.Conn
	for p := 0; p < 3; p++ {
		for i := 0; i < 2; i++ {
			c := testpeer.DialFrom(t, fmt.Sprintf("127.0.%d.1", 10+p), th.addr)
			if !hubAnswers(c) {
				t.Fatalf("connection %d/%d not served", p, i)
			}
			conns = append(conns, c)
		}
	}
	if !hubAnswers(testpeer.DialFrom(t, "127.0.20.1", th.addr)) {
		t.Fatal("a new client is refused while every slot is taken")
	}
	if !closedBy(conns[0], 2*time.Second) {
		t.Error("the idlest connection was not closed for the new one")
	}
	if st := th.tcpSlots.Stats(); st.Evicted != 1 {
		t.Errorf("stats %+v, want 1 evicted", st)
	}

	c := testpeer.DialFrom(t, "127.0.30.1", th.addr)
	if !hubAnswers(c) {
		t.Fatal("not served")
	}
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; i < 100; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				c.Write([]byte{0, 0})
			}
		}
	}()
	closed := closedBy(c, 5*time.Second)
	took := time.Since(start)
	t.Logf("empty frames every 100ms: closed %v after %v", closed, took.Round(10*time.Millisecond))
	if !closed || took > 2500*time.Millisecond {
		t.Errorf("a connection sending empty frames stayed open %v (closed %v), want about 1s", took, closed)
	}
}

func closedBy(c net.Conn, limit time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(limit))
	_, err := c.Read(make([]byte, 1))
	var op *net.OpError
	return errors.Is(err, io.EOF) || (errors.As(err, &op) && !op.Timeout())
}
