package monitor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"anycloud/internal/authserver"
	"anycloud/internal/zone"
)

// engine is a real anycloud engine on loopback standing in for a primary,
// the hub or a node.
type engine struct {
	srv  *authserver.Server
	addr string
}

func zoneText(origin string, serial uint32) string {
	return fmt.Sprintf(`$TTL 300
@ IN SOA ns1.%[1]s hostmaster.%[1]s %[2]d 3600 600 1209600 300
@ IN NS ns1.%[1]s
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
`, origin, serial)
}

func (e *engine) publish(t *testing.T, origin string, serial uint32) {
	t.Helper()
	z, err := zone.Parse(strings.NewReader(zoneText(origin, serial)), origin, origin+"zone")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Publish(z)
}

// startEngine serves origin at serial on a free loopback port, with nsid.
func startEngine(t *testing.T, nsid, origin string, serial uint32) *engine {
	t.Helper()
	e := &engine{srv: authserver.New(authserver.Config{NSID: nsid, Logger: quietLog()})}
	e.publish(t, origin, serial)
	for attempt := 0; attempt < 10; attempt++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.addr = pc.LocalAddr().String()
		pc.Close()
		ctx, cancel := context.WithCancel(context.Background())
		ready, done := make(chan struct{}), make(chan error, 1)
		go func() { done <- e.srv.Serve(ctx, []string{e.addr}, func() { close(ready) }) }()
		select {
		case <-ready:
			t.Cleanup(func() { cancel(); <-done })
			return e
		case <-done:
			cancel()
		case <-time.After(5 * time.Second):
			cancel()
			t.Fatal("engine not ready after 5s")
		}
	}
	t.Fatal("no free port for the engine")
	return nil
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// clock is a test's time, moved by hand so that lag seconds are exact.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)} }
