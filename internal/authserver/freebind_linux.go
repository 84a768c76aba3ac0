//go:build linux

package authserver

import (
	"strings"

	"golang.org/x/sys/unix"
)

// freebind lets the socket bind an address the host does not have yet
// (IP_FREEBIND, IPV6_FREEBIND): a node binds its anycast addresses before
// the announcer puts them on lo, or before the operator's network setup
// does. IPV6_FREEBIND came with Linux 4.15; before it, IP_FREEBIND also
// covers IPv6 sockets.
func freebind(network string, fd int) error {
	if strings.HasSuffix(network, "6") {
		if err := unix.SetsockoptInt(fd, unix.SOL_IPV6, unix.IPV6_FREEBIND, 1); err == nil {
			return nil
		}
	}
	return unix.SetsockoptInt(fd, unix.SOL_IP, unix.IP_FREEBIND, 1)
}
