package authserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"syscall"

	"anycloud/internal/tcpslots"
)

// Serve answers over UDP and TCP on every listen address ("127.0.0.1:53",
// "[::1]:53") until ctx is done. All sockets are bound before ready is
// called, so a caller can query as soon as it returns; a bind failure is
// returned at once and nothing is left open.
func (s *Server) Serve(ctx context.Context, listen []string, ready func()) error {
	var closers []func()
	var wg sync.WaitGroup
	udpCtx, stopUDP := context.WithCancel(ctx)
	closeAll := func() {
		stopUDP()
		for _, c := range closers {
			c()
		}
		wg.Wait()
	}
	slots := tcpslots.New(s.cfg.TCP)
	s.tcpSlots.Store(slots)
	for _, addr := range listen {
		conns, err := listenUDP(ctx, addr, runtime.GOMAXPROCS(0))
		if err != nil {
			closeAll()
			return fmt.Errorf("listen udp %s: %w", addr, err)
		}
		for _, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serveUDP(udpCtx, c)
				c.Close() // only once its loop no longer uses the descriptor
			}()
		}
		ln, err := listenConfig(nil).Listen(ctx, "tcp", addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("listen tcp %s: %w", addr, err)
		}
		closers = append(closers, func() { ln.Close() })
		wg.Add(1)
		go func() { defer wg.Done(); s.serveTCP(ctx, ln.(*net.TCPListener), slots) }()
		s.log.Info("listening", "addr", addr)
		if !isLocal(addr) {
			s.log.Warn("listening on an address this host does not have yet; it answers there once the address is added (announce.loopback does it for the service addresses)", "addr", addr)
		}
	}
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	closeAll()
	return nil
}

// listenConfig binds with freebind (see freebind_linux.go), so a listen
// address missing from the host is not an error, then applies set, if any,
// to the socket before bind.
func listenConfig(set func(fd int) error) *net.ListenConfig {
	return &net.ListenConfig{Control: func(network, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = freebind(network, int(fd)); serr == nil && set != nil {
				serr = set(int(fd))
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

// isLocal tells whether the host has the IP of addr (or addr is a wildcard
// or not an IP:port, which bind itself judges). With freebind a typing
// error in listen binds without complaint; this is what warns about it.
func isLocal(addr string) bool {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || ap.Addr().IsUnspecified() {
		return true
	}
	have, err := net.InterfaceAddrs()
	if err != nil {
		return true // cannot tell: no warning rather than a wrong one
	}
	for _, a := range have {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == ap.Addr().Unmap() {
				return true
			}
		}
	}
	return false
}

// isClosed tells a socket closed by shutdown from a real error.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
