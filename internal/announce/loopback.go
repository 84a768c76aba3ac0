package announce

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// AddLoopbackAddresses puts the service addresses on "lo" as host routes
// (/32, /128), leaving addresses already there alone. Removing them is left
// to the operator: a node that stops must stay reachable for queries still
// in flight, and withdrawal alone moves traffic away.
func AddLoopbackAddresses(addrs []netip.Addr) error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("finding lo: %w", err)
	}
	for _, a := range addrs {
		bits := a.BitLen()
		ipnet := &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(bits, bits)}
		if err := netlink.AddrReplace(lo, &netlink.Addr{IPNet: ipnet}); err != nil {
			return fmt.Errorf("adding %v to lo: %w", a, err)
		}
	}
	return nil
}
