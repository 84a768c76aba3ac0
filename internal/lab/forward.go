package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"time"
)

// The dashboard forwarder is the lab's only process in the host namespace:
// it listens on one loopback TCP port and carries each connection to one
// address inside one lab namespace (the hub's dashboard), creating the
// outgoing socket in that namespace. Nothing is routed between the host and
// the lab.

// checkLoopback refuses a listen address that is not a loopback
// address:port (the forwarder's and the webhook receiver's).
func checkLoopback(what, listen string) error {
	if ap, err := netip.ParseAddrPort(listen); err != nil || !ap.Addr().IsLoopback() {
		return fmt.Errorf("%s: %q is not a loopback address:port", what, listen)
	}
	return nil
}

// RunForwarder accepts on listen (a loopback address) until ctx ends and
// connects each client to target inside namespace ns.
func RunForwarder(ctx context.Context, listen, ns, target string, log *slog.Logger) error {
	if err := checkLoopback("forward", listen); err != nil {
		return err
	}
	tp, err := netip.ParseAddrPort(target)
	if err != nil || !isDocumentation(tp.Addr()) {
		return fmt.Errorf("forward: target %q is not a lab (documentation) address:port", target)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	go func() { <-ctx.Done(); ln.Close() }()
	log.Info("forwarding", "listen", listen, "namespace", ns, "to", target)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("forward: %w", err)
		}
		go forwardOne(c, ns, target, log)
	}
}

func forwardOne(c net.Conn, ns, target string, log *slog.Logger) {
	defer c.Close()
	up, err := DialIn(ns, "tcp", target, 5*time.Second)
	if err != nil {
		log.Warn("forward: dialing into the lab", "to", target, "err", err)
		return
	}
	defer up.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}
	go pipe(up, c)
	go pipe(c, up)
	wg.Wait()
}

// DialIn connects to addr from inside namespace ns; the socket stays there.
func DialIn(ns, network, addr string, timeout time.Duration) (net.Conn, error) {
	var conn net.Conn
	err := InNamespace(ns, func() error {
		var err error
		conn, err = net.DialTimeout(network, addr, timeout)
		return err
	})
	return conn, err
}

// forwardAvailable checks, before anything is built, that the forwarder
// will be able to listen on addr.
func forwardAvailable(addr string) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("dashboard forward: %w (another lab or monitor there? use --forward ADDR, or --forward \"\" for none)", err)
	}
	return ln.Close()
}

// startForwarder starts `lab forward` in the host namespace when asked and
// the Cloud serves a dashboard.
func (b *builder) startForwarder(context.Context) error {
	if b.opts.Forward == "" || b.opts.Cloud == nil {
		return nil
	}
	host, target := b.opts.Cloud.Dashboard(b.plan)
	h, ok := b.plan.Host(host)
	if target == "" || !ok {
		return errors.New("the cloud has no dashboard to forward to")
	}
	dir, err := b.hostDir("forward")
	if err != nil {
		return err
	}
	argv := append(append([]string{}, b.opts.ForwardCommand...), b.opts.Forward, h.Namespace, target)
	return b.st.startProcess("forward", "host", "", argv, nil, filepath.Join(dir, "forward.log"))
}
