//go:build linux

package authserver

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"anycloud/internal/testenv"
)

// TestServeBindsAddressesNotYetOnHost binds service addresses in a network
// namespace that does not have them (as a node on a fresh host binds its
// anycast addresses before the announcer puts them on lo), then adds them
// to lo and queries: every address answers over UDP (the batched,
// SO_REUSEPORT path) and TCP, and a UDP answer leaves from the address
// queried (the client's socket is connected, so an answer from another
// source never arrives). Without freebind, Serve fails with "cannot assign
// requested address". isLocal, which decides the warning for an address
// the host lacks, follows the addresses as they are added.
func TestServeBindsAddressesNotYetOnHost(t *testing.T) {
	testenv.RequireRoot(t, "to create a network namespace")
	addrs := []string{"198.51.100.53:53", "[2001:db8:53::53]:53"}
	ns := make(chan netns.NsHandle, 1)
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		// This thread enters an unnamed namespace and never leaves it: the
		// goroutine ends locked, so the runtime discards the thread.
		runtime.LockOSThread()
		h, err := netns.New()
		if err != nil {
			ns <- netns.None()
			done <- err
			return
		}
		ns <- h
		// lo up, as on any host: in a namespace without a single route
		// the kernel lets any IPv4 address be bound, freebind or not.
		if err = setLoUp(); err != nil {
			done <- err
			return
		}
		done <- testServer(t).Serve(ctx, addrs, func() { close(ready) })
	}()
	h := <-ns
	defer h.Close()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("binding addresses the namespace does not have: %v", err)
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("server not ready after 5s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop within 5s")
		}
	})
	inNamespace(t, h, func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if isLocal(a) {
				t.Errorf("%s counts as on the host before it is added: no warning would be logged", a)
			}
			ip := netip.MustParseAddrPort(a).Addr()
			bits := ip.BitLen()
			if err := netlink.AddrAdd(lo, &netlink.Addr{IPNet: &net.IPNet{IP: ip.AsSlice(), Mask: net.CIDRMask(bits, bits)}}); err != nil {
				return err
			}
			if !isLocal(a) {
				t.Errorf("%s does not count as on the host once on lo: a false warning would be logged", a)
			}
		}
		for _, a := range []string{"127.0.0.1:53", "0.0.0.0:53", "[::]:53", "localhost:53"} {
			if !isLocal(a) {
				t.Errorf("%s does not count as on the host", a)
			}
		}
		return nil
	})
	for _, addr := range addrs {
		for _, proto := range []string{"udp", "tcp"} {
			inNamespace(t, h, func() error {
				c := &dns.Client{Net: proto, Timeout: 2 * time.Second}
				resp, _, err := c.Exchange(new(dns.Msg).SetQuestion("sv.", dns.TypeSOA), addr)
				if err != nil {
					t.Errorf("%s %s: %v", proto, addr, err)
				} else if !resp.Authoritative || len(resp.Answer) != 1 {
					t.Errorf("%s %s: %v", proto, addr, resp)
				}
				return nil
			})
		}
	}
}

func setLoUp() error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return err
	}
	return netlink.LinkSetUp(lo)
}

// inNamespace runs f on a thread of its own inside h; the thread is
// discarded afterwards rather than returned to the runtime.
func inNamespace(t *testing.T, h netns.NsHandle, f func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := netns.Set(h); err != nil {
			errc <- err
			return
		}
		errc <- f()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
