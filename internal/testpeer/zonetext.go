package testpeer

import (
	"fmt"
	"strings"
)

// ZoneText returns a small delegation-style zone: SOA with the given serial
// and timers (refresh, retry, expire in seconds), two apex NS, and hosts
// delegations/records named d0..d(n-1).
func ZoneText(origin string, serial uint32, refresh, retry, expire uint32, hosts int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n", origin)
	fmt.Fprintf(&b, "@ IN SOA %s\n", soaRdata(serial, refresh, retry, expire))
	b.WriteString("@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n")
	for i := 0; i < hosts; i++ {
		fmt.Fprintf(&b, "d%d IN NS ns.d%d\nns.d%d IN A 198.51.100.%d\n", i, i, i, i%250+1)
	}
	return b.String()
}
