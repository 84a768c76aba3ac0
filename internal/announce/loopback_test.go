package announce

import (
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
)

// TestAddLoopbackAddresses puts the service addresses on lo inside a fresh
// namespace (never the host's) and checks with iproute2.
func TestAddLoopbackAddresses(t *testing.T) {
	requireNetnsTools(t)
	name := nsName(t, "lo")
	newNetns(t, name)
	runtime.LockOSThread() // unlocked only once back in the original namespace
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer orig.Close()
	target, err := netns.GetFromName(name)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	addrs := []netip.Addr{netip.MustParseAddr("198.51.100.53"), netip.MustParseAddr("2001:db8:53::53")}
	err = AddLoopbackAddresses(addrs)
	if err == nil {
		err = AddLoopbackAddresses(addrs) // idempotent
	}
	if serr := netns.Set(orig); serr != nil {
		t.Fatalf("leaving namespace: %v", serr) // thread stays locked and is discarded
	}
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, "ip", "-n", name, "-br", "addr", "show", "dev", "lo")
	for _, want := range []string{"198.51.100.53/32", "2001:db8:53::53/128"} {
		if !strings.Contains(out, want) {
			t.Errorf("lo lacks %s:\n%s", want, out)
		}
	}
}
