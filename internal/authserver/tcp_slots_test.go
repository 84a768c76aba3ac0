package authserver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
)

// Tests of the TCP slots over real loopback sockets. Linux routes all of
// 127.0.0.0/8 to lo, so binding the client side to 127.X.Y.Z gives sources
// in several /24s.

// answered sends one query on c and reports whether an answer came back.
func answered(c net.Conn) bool {
	m, err := testpeer.QueryOnConn(c, "sv.")
	return err == nil && m.Rcode == dns.RcodeSuccess
}

// closedByServer reports whether the server closes c within limit, and
// when; a read of any data is a failure.
func closedByServer(c net.Conn, limit time.Duration) (bool, time.Duration) {
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	_, err := c.Read(make([]byte, 1))
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
		return true, time.Since(start)
	}
	return false, time.Since(start)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// TestTCPPrefixShare: 40 addresses of one /24 each opening 32 connections
// (the old per-address cap) with the default limits hold at most
// max-per-prefix slots, and a client of another /24 is still served.
// Without the per-prefix cap they held all 1000 slots and the other /24 was
// refused.
func TestTCPPrefixShare(t *testing.T) {
	s := testServer(t)
	s.cfg.TCP.IdleTimeout = time.Minute // none of the held ones times out on a slow machine
	addrs := startServing(t, s)
	held := 0
	for host := 1; host <= 40; host++ {
		src := fmt.Sprintf("127.0.1.%d", host)
		for i := 0; i < 32; i++ {
			if answered(testpeer.DialFrom(t, src, addrs[0])) {
				held++
			}
		}
	}
	t.Logf("slots held by one /24: %d of %d", held, DefaultTCP.MaxConns)
	if held != DefaultTCP.MaxPerPrefix {
		t.Errorf("one /24 holds %d slots, want %d (max-per-prefix)", held, DefaultTCP.MaxPerPrefix)
	}
	if !answered(testpeer.DialFrom(t, "127.0.2.1", addrs[0])) {
		t.Error("a client of another /24 is not served")
	}
	if st := s.TCPStats(); st.Refused == 0 {
		t.Errorf("refusals not counted: %+v", st)
	}
}

// TestTCPEvictIdlest: with every slot taken, a new client is served and
// the connection idle the longest is closed for it, not one that has just
// been answered. Without eviction the new client was refused.
func TestTCPEvictIdlest(t *testing.T) {
	s := testServer(t)
	s.cfg.TCP.MaxConns, s.cfg.TCP.MaxPerPrefix = 12, 3
	addrs := startServing(t, s)
	var conns []net.Conn
	for p := 0; p < 4; p++ {
		for i := 0; i < 3; i++ {
			conns = append(conns, testpeer.DialFrom(t, fmt.Sprintf("127.0.%d.%d", 10+p, 1+i), addrs[0]))
			time.Sleep(5 * time.Millisecond) // a clear order of acceptance
		}
	}
	for i := 0; i < 100 && s.TCPStats().Open < 12; i++ { // every one admitted
		time.Sleep(10 * time.Millisecond)
	}
	// The first connection answers a query now: it is no longer the idlest.
	if !answered(conns[0]) {
		t.Fatal("first connection not answered")
	}
	if !answered(testpeer.DialFrom(t, "127.0.20.1", addrs[0])) {
		t.Fatal("a new client is refused while all slots are taken")
	}
	if closed, _ := closedByServer(conns[1], time.Second); !closed {
		t.Error("the idlest connection (the second accepted) was not evicted")
	}
	if !answered(conns[0]) {
		t.Error("the recently active connection was evicted")
	}
	if st := s.TCPStats(); st.Evicted != 1 || st.Open != 12 {
		t.Errorf("stats %+v, want 1 evicted and 12 open", st)
	}
}

// TestTCPIdleOnlyResponsesCount: a connection is closed an idle timeout
// after its last answer whatever it sends meanwhile that is not a complete
// query: zero-length frames, a request that never ends (slowloris) or
// nothing at all. Before, every empty frame reset the idle timer and kept
// the connection open indefinitely.
func TestTCPIdleOnlyResponsesCount(t *testing.T) {
	const idle = 400 * time.Millisecond
	s := testServer(t)
	s.cfg.TCP.IdleTimeout = idle
	addrs := startServing(t, s)
	for _, tc := range []struct {
		name string
		send func(c net.Conn) // called every 50ms
	}{
		{"silent", func(net.Conn) {}},
		{"empty frames", func(c net.Conn) { c.Write([]byte{0, 0}) }},
		{"slowloris", func() func(net.Conn) {
			first := true
			return func(c net.Conn) {
				if first {
					c.Write(binary.BigEndian.AppendUint16(nil, 200))
					first = false
				}
				c.Write([]byte{0})
			}
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testpeer.DialFrom(t, "127.0.3.1", addrs[0])
			if !answered(c) {
				t.Fatal("not answered")
			}
			start := time.Now()
			stop, done := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				for i := 0; i < 60; i++ {
					select {
					case <-stop:
						return
					case <-time.After(50 * time.Millisecond):
						tc.send(c)
					}
				}
			}()
			closed, _ := closedByServer(c, 3*time.Second)
			took := time.Since(start)
			close(stop)
			<-done
			t.Logf("%s: closed %v after %v", tc.name, closed, took.Round(10*time.Millisecond))
			if !closed || took > idle+time.Second {
				t.Errorf("%s: connection open %v (closed %v), want closed about %v after the last answer", tc.name, took, closed, idle)
			}
		})
	}
}
