package authserver

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"time"

	"anycloud/internal/tcpslots"
)

// TCP (RFC 7766): 2-byte length framing, several requests per connection
// answered in order. The slots (a total, a share per /24 or /56, eviction of
// the idlest when all are taken) and the idle deadline, which only a
// response sent moves, belong to internal/tcpslots; the idle deadline also
// bounds how long one request may take to arrive, so a slowloris client or
// one sending empty frames gets no more.

var handlerPool sync.Pool

func (s *Server) serveTCP(ctx context.Context, ln *net.TCPListener, slots *tcpslots.Table) {
	for {
		conn, err := ln.AcceptTCP()
		if err != nil {
			if isClosed(err) || ctx.Err() != nil {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: do not spin
			continue
		}
		c, ok := slots.Admit(conn)
		if !ok {
			conn.Close() // this prefix holds its share
			continue
		}
		go s.serveConn(ctx, c)
	}
}

func (s *Server) serveConn(ctx context.Context, conn *tcpslots.Conn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	h, _ := handlerPool.Get().(*handler)
	if h == nil || h.s != s {
		h = newHandlerSharing(s, s.tcpStats())
	}
	defer handlerPool.Put(h)
	src := conn.RemoteAddr().(*net.TCPAddr).AddrPort()
	local := localAddr(conn.LocalAddr())
	away := s.away.counter(local, true)
	r := bufio.NewReaderSize(conn, 4096)
	msg := make([]byte, 65535)
	out := make([]byte, 0, 65535+2)
	for {
		conn.SetReadDeadline(time.Time{}) // the idle deadline: a response sent moves it
		var lenBuf [2]byte
		if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(lenBuf[:]))
		if _, err := io.ReadFull(r, msg[:n]); err != nil {
			return
		}
		h.w.buf = h.w.buf[:0]
		countAway(away, src, local)
		resp := h.handle(msg[:n], src, false)
		if resp == nil {
			continue
		}
		out = binary.BigEndian.AppendUint16(out[:0], uint16(len(resp)))
		out = append(out, resp...)
		conn.SetWriteDeadline(time.Now().Add(s.cfg.TCP.IdleTimeout))
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}
