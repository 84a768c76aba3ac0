package tcpslots

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"anycloud/internal/testenv"
)

// serveHello accepts from ln until it closes and writes "ok" on each
// admitted connection, so a client knows it was served; run is called on
// each connection after that.
func serveHello(ln net.Listener, run func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			c.Write([]byte("ok"))
			if run != nil {
				run(c)
			}
		}()
	}
}

// served dials addr from src and reports whether the server said "ok".
func served(t *testing.T, src, addr string) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b := make([]byte, 2)
	_, err = io.ReadFull(c, b)
	c.SetReadDeadline(time.Time{})
	return c, err == nil && string(b) == "ok"
}

// nsName names the test's namespace with its PID, so parallel runs do not
// collide.
func nsName(role string) string { return fmt.Sprintf("tcprrl%d-%s", os.Getpid()%100000, role) }

// inNamespace runs fn on an OS thread moved into namespace ns; sockets fn
// creates stay there.
func inNamespace(t *testing.T, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(filepath.Join("/run/netns", ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	fn()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		t.Fatalf("leaving %s: %v", ns, err) // the thread stays locked and is discarded
	}
	runtime.UnlockOSThread()
}

// TestIPv6PerPrefix: in a namespace of its own with documentation
// addresses on lo, eight addresses of one /64 hold only the /56's share,
// another /64 of the same /56 is refused too, and another /56 is served.
// Counted per address (before), a /64 was unlimited.
func TestIPv6PerPrefix(t *testing.T) {
	testenv.RequireRoot(t, "for a network namespace")
	testenv.RequireCommand(t, "ip")
	ns := nsName("v6")
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	exec.Command("ip", "netns", "del", ns).Run() // left by a killed run of this PID
	ip("netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	ip("-n", ns, "link", "set", "lo", "up")
	srcs := []string{"2001:db8:0:100::53"}
	for i := 1; i <= 8; i++ {
		srcs = append(srcs, fmt.Sprintf("2001:db8:0:101::%d", i))
	}
	srcs = append(srcs, "2001:db8:0:1ff::1", "2001:db8:0:200::1")
	for _, a := range srcs {
		ip("-n", ns, "addr", "add", a+"/128", "dev", "lo", "nodad")
	}
	tab := New(Limits{MaxConns: 100, MaxPerPrefix: 4, IdleTimeout: 10 * time.Second})
	inNamespace(t, ns, func() {
		ln, err := net.Listen("tcp", "[2001:db8:0:100::53]:5353")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go serveHello(Listen(ln, tab), nil)
		addr := ln.Addr().String()
		held := 0
		for _, src := range srcs[1:9] { // eight addresses of one /64
			if _, ok := served(t, src, addr); ok {
				held++
			}
		}
		t.Logf("connections from eight addresses of one /64: %d served", held)
		if held != 4 {
			t.Errorf("one /64 holds %d connections, want 4 (the /56's share)", held)
		}
		if _, ok := served(t, "2001:db8:0:1ff::1", addr); ok {
			t.Error("another /64 of the same /56 is served past the share")
		}
		if _, ok := served(t, "2001:db8:0:200::1", addr); !ok {
			t.Error("another /56 is refused")
		}
	})
}

// TestWritesAreActivity: a connection sending (a zone transfer in progress)
// is not the idlest, and its idle deadline runs from its last write; one
// that sends nothing is evicted in its place.
func TestWritesAreActivity(t *testing.T) {
	const idle = 300 * time.Millisecond
	tab := New(Limits{MaxConns: 2, MaxPerPrefix: 2, IdleTimeout: idle})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	streamed := make(chan time.Duration, 1) // how long the read after the stream waited
	var first atomic.Bool
	go serveHello(Listen(ln, tab), func(c net.Conn) {
		if !first.CompareAndSwap(false, true) {
			return
		}
		for i := 0; i < 20; i++ { // 1s of writes, more than the idle timeout
			c.Write(make([]byte, 100))
			time.Sleep(50 * time.Millisecond)
		}
		c.SetReadDeadline(time.Time{})
		start := time.Now()
		c.Read(make([]byte, 1))
		streamed <- time.Since(start)
	})
	addr := ln.Addr().String()
	stream, ok := served(t, "127.0.70.1", addr)
	if !ok {
		t.Fatal("first connection not served")
	}
	go io.Copy(io.Discard, stream)
	time.Sleep(100 * time.Millisecond)
	quiet, ok := served(t, "127.0.71.1", addr)
	if !ok {
		t.Fatal("second connection not served")
	}
	time.Sleep(300 * time.Millisecond)
	if _, ok := served(t, "127.0.72.1", addr); !ok {
		t.Fatal("third connection not served")
	}
	quiet.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := quiet.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("the quiet connection: %v, want it evicted (EOF)", err)
	}
	select {
	case d := <-streamed:
		if d < idle/2 {
			t.Errorf("after the stream the read deadline came after %v, want about %v from the last write", d, idle)
		}
	case <-time.After(3 * time.Second):
		t.Error("the streaming connection was cut during its stream")
	}
	if st := tab.Stats(); st.Evicted != 1 {
		t.Errorf("stats %+v, want 1 evicted", st)
	}
}

// TestFileLimits: the YAML section over the defaults, and its errors.
func TestFileLimits(t *testing.T) {
	def := Limits{MaxConns: 1000, MaxPerPrefix: 100, IdleTimeout: 10 * time.Second}
	for _, tc := range []struct {
		name string
		f    File
		want Limits
		bad  string
	}{
		{"empty", File{}, def, ""},
		{"set", File{MaxConnections: 50, MaxPerPrefix: 5, IdleTimeout: "3s"}, Limits{MaxConns: 50, MaxPerPrefix: 5, IdleTimeout: 3 * time.Second}, ""},
		{"negative total", File{MaxConnections: -1}, def, "max-connections"},
		{"share over total", File{MaxConnections: 10}, Limits{}, "max-per-prefix"},
		{"idle too long", File{IdleTimeout: "2h"}, def, "idle-timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bad string
			got := tc.f.Limits(def, func(key, format string, args ...any) { bad = key })
			if bad != tc.bad {
				t.Fatalf("problem with %q, want %q", bad, tc.bad)
			}
			if tc.bad == "" && (got.MaxConns != tc.want.MaxConns || got.MaxPerPrefix != tc.want.MaxPerPrefix || got.IdleTimeout != tc.want.IdleTimeout) {
				t.Errorf("%+v, want %+v", got, tc.want)
			}
		})
	}
}
