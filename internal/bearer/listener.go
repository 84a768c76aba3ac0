package bearer

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// CheckListener refuses to talk to addr when the socket listening there
// belongs to a user other than root, the service user or owner (the
// owner of the token about to be sent). While the real server restarts,
// any local user can bind its loopback port; without this check the
// client would hand that user the token and whatever secrets the request
// carries. On Linux the owner of every listening socket is in
// /proc/net/tcp{,6}; where that is unreadable, or no socket matches (the
// connection will fail anyway), the check passes.
func CheckListener(addr string, owner uint32) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil // a name: not a loopback endpoint this check knows
	}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		uids, err := listenerUIDs(file, ap)
		if err != nil {
			continue
		}
		for _, uid := range uids {
			if uid != 0 && uid != owner && !isServiceUser(uid) {
				return fmt.Errorf("%s is held by %s, not by root or the server's user: refusing to send it the token (is the server down and another user's program on its port?)", addr, userName(uid))
			}
		}
	}
	return nil
}

// listenerUIDs returns the owners of the listening sockets in file (the
// /proc/net/tcp format) that accept connections to ap.
func listenerUIDs(file string, ap netip.AddrPort) ([]uint32, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []uint32
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[3] != "0A" { // 0A: LISTEN
			continue
		}
		local, ok := parseProcAddr(fields[1])
		if !ok || local.Port() != ap.Port() {
			continue
		}
		if la := local.Addr().Unmap(); la.IsUnspecified() || la == ap.Addr().Unmap() {
			uid, err := strconv.ParseUint(fields[7], 10, 32)
			if err == nil {
				out = append(out, uint32(uid))
			}
		}
	}
	return out, sc.Err()
}

// parseProcAddr decodes "0100007F:22F9" (IPv4) or 32 hex digits and a port
// (IPv6): the address as 32-bit words in host (little-endian) order.
func parseProcAddr(s string) (netip.AddrPort, bool) {
	ipHex, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, false
	}
	raw, err := hex.DecodeString(ipHex)
	port, perr := strconv.ParseUint(portHex, 16, 16)
	if err != nil || perr != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	a, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(a, uint16(port)), true
}

// Client returns an HTTP client whose connections are checked with
// CheckListener once made (so the listener checked is the one connected
// to, barring a swap in between), for sending a token owned by owner.
func Client(owner uint32, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if err := CheckListener(c.RemoteAddr().String(), owner); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		},
	}}
}
