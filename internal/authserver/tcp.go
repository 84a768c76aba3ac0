package authserver

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// TCP (RFC 7766): 2-byte length framing, several requests per connection
// answered in order, an idle timeout that also bounds how long one request
// may take to arrive (a slowloris client gets no more), and caps on open
// connections in total and per source address.

var handlerPool sync.Pool

func (s *Server) serveTCP(ctx context.Context, ln *net.TCPListener, slots chan struct{}) {
	for {
		conn, err := ln.AcceptTCP()
		if err != nil {
			if isClosed(err) || ctx.Err() != nil {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: do not spin
			continue
		}
		src := conn.RemoteAddr().(*net.TCPAddr).AddrPort().Addr()
		if !s.tcpSources.acquire(src, s.cfg.TCPMaxPerSource) {
			conn.Close() // this source has enough connections open
			continue
		}
		select {
		case slots <- struct{}{}:
			go func() {
				defer func() { <-slots; s.tcpSources.release(src) }()
				s.serveConn(ctx, conn)
			}()
		default:
			s.tcpSources.release(src)
			conn.Close() // over the connection limit
		}
	}
}

func (s *Server) serveConn(ctx context.Context, conn *net.TCPConn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	h, _ := handlerPool.Get().(*handler)
	if h == nil || h.s != s {
		h = newHandlerSharing(s, s.tcpStats())
	}
	defer handlerPool.Put(h)
	src := conn.RemoteAddr().(*net.TCPAddr).AddrPort()
	r := bufio.NewReaderSize(conn, 4096)
	msg := make([]byte, 65535)
	out := make([]byte, 0, 65535+2)
	for {
		conn.SetReadDeadline(time.Now().Add(s.cfg.TCPIdleTimeout))
		var lenBuf [2]byte
		if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(lenBuf[:]))
		if _, err := io.ReadFull(r, msg[:n]); err != nil {
			return
		}
		h.w.buf = h.w.buf[:0]
		resp := h.handle(msg[:n], src, false)
		if resp == nil {
			continue
		}
		out = binary.BigEndian.AppendUint16(out[:0], uint16(len(resp)))
		out = append(out, resp...)
		conn.SetWriteDeadline(time.Now().Add(s.cfg.TCPIdleTimeout))
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

// sourceCounts counts open TCP connections per source address.
type sourceCounts struct {
	mu sync.Mutex
	n  map[netip.Addr]int
}

func (c *sourceCounts) acquire(a netip.Addr, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[netip.Addr]int{}
	}
	if limit > 0 && c.n[a] >= limit {
		return false
	}
	c.n[a]++
	return true
}

func (c *sourceCounts) release(a netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[a]--; c.n[a] <= 0 {
		delete(c.n, a)
	}
}
