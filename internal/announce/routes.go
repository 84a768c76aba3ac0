package announce

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procRoutePaths are the kernel's routing table views; tests point them at
// files under testdata/.
var procRoutePaths = map[Family]string{
	IPv4: "/proc/net/route",
	IPv6: "/proc/net/ipv6_route",
}

// Route flags from linux/route.h.
const (
	rtfUp     = 0x0001
	rtfReject = 0x0200
)

// hasDefaultRoute reads the kernel's table as text, which needs no
// privileges and no netlink socket, and looks for an up, non-reject default.
func hasDefaultRoute(f Family, paths map[Family]string) (bool, error) {
	file, err := os.Open(paths[f])
	if err != nil {
		return false, fmt.Errorf("reading routes: %w", err)
	}
	defer file.Close()
	parse := parseIPv4RouteLine
	if f == IPv6 {
		parse = parseIPv6RouteLine
	}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if parse(strings.Fields(sc.Text())) {
			return true, nil
		}
	}
	return false, sc.Err()
}

// parseIPv4RouteLine: Iface Destination Gateway Flags RefCnt Use Metric Mask ...
func parseIPv4RouteLine(f []string) bool {
	if len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
		return false
	}
	return usableFlags(f[3])
}

// parseIPv6RouteLine: dest destlen src srclen nexthop metric refcnt use flags iface
func parseIPv6RouteLine(f []string) bool {
	if len(f) < 10 || f[1] != "00" || strings.Trim(f[0], "0") != "" || f[9] == "lo" {
		return false
	}
	return usableFlags(f[8])
}

func usableFlags(hex string) bool {
	flags, err := strconv.ParseUint(hex, 16, 32)
	return err == nil && flags&rtfUp != 0 && flags&rtfReject == 0
}
