package lab

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// ip runs one iproute2 command. iproute2 is used rather than netlink
// calls so that every change the lab makes can be replayed by hand.
func ip(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "ip", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// inNS runs a command inside a namespace and waits for it.
func inNS(ctx context.Context, ns string, args ...string) error {
	return ip(ctx, append([]string{"netns", "exec", ns}, args...)...)
}

// sysctls for every lab namespace: no reverse-path filtering (anycast
// replies leave by whatever the routing table says), no duplicate address
// detection (addresses usable at once).
var baseSysctls = []string{
	"net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
	"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
	"net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0",
}

var routerSysctls = []string{"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"}

// The relay namespace only moves frames: no IP at all on its interfaces.
var relaySysctls = []string{"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}

func sysctlsFor(role string) []string {
	s := append([]string{}, baseSysctls...)
	switch role {
	case RoleRouter:
		s = append(s, routerSysctls...)
	case RoleRelay:
		s = append(s, relaySysctls...)
	}
	return s
}

// createNamespace makes ns with lo up and the role's sysctls.
func createNamespace(ctx context.Context, ns, role string) error {
	if err := ip(ctx, "netns", "add", ns); err != nil {
		return err
	}
	if err := ip(ctx, "-n", ns, "link", "set", "lo", "up"); err != nil {
		return err
	}
	return inNS(ctx, ns, append([]string{"sysctl", "-q", "-w"}, sysctlsFor(role)...)...)
}

// veth creates a pair with one end in each namespace.
func veth(ctx context.Context, nsA, ifA, nsB, ifB string) error {
	return ip(ctx, "-n", nsA, "link", "add", "name", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB)
}

// addrUp puts addresses on an interface and brings it up.
func addrUp(ctx context.Context, ns, ifname string, addrs ...string) error {
	for _, a := range addrs {
		args := []string{"-n", ns, "addr", "add", a, "dev", ifname}
		if strings.Contains(a, ":") {
			args = append(args, "nodad")
		}
		if err := ip(ctx, args...); err != nil {
			return err
		}
	}
	return ip(ctx, "-n", ns, "link", "set", ifname, "up")
}

// namespaceExists reports whether /run/netns/ns exists.
func namespaceExists(ns string) bool {
	return exec.Command("ip", "netns", "pids", ns).Run() == nil
}
