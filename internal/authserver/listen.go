package authserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"

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
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("listen tcp %s: %w", addr, err)
		}
		closers = append(closers, func() { ln.Close() })
		wg.Add(1)
		go func() { defer wg.Done(); s.serveTCP(ctx, ln.(*net.TCPListener), slots) }()
		s.log.Info("listening", "addr", addr)
	}
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	closeAll()
	return nil
}

// isClosed tells a socket closed by shutdown from a real error.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
