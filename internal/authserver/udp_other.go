//go:build !(linux && (amd64 || arm64))

package authserver

import (
	"context"
	"net"
)

// Elsewhere UDP is read and written one packet at a time.

func listenUDP(ctx context.Context, addr string, _ int) ([]*net.UDPConn, error) {
	pc, err := listenConfig(nil).ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, err
	}
	return []*net.UDPConn{pc.(*net.UDPConn)}, nil
}

func (s *Server) serveUDP(_ context.Context, c *net.UDPConn) {
	h := newHandler(s)
	local := localAddr(c.LocalAddr())
	away := s.away.counter(local, false)
	buf := make([]byte, 65536)
	for {
		n, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if isClosed(err) {
				return
			}
			continue
		}
		countAway(away, src, local)
		if resp := h.handle(buf[:n], src, true); resp != nil {
			_, _ = c.WriteToUDPAddrPort(resp, src)
		}
	}
}
