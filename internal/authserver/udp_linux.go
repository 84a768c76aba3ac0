//go:build linux && (amd64 || arm64)

package authserver

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP on Linux reads and writes packets in batches (recvmmsg/sendmmsg), one
// socket per core bound with SO_REUSEPORT so the kernel spreads the load, as
// NSD and Knot do. One goroutine owns each socket and all of its buffers.

const (
	udpBatch    = 32
	udpReadSize = 4096
	udpRcvBuf   = 4 << 20
)

// mmsghdr is struct mmsghdr from <sys/socket.h> on 64-bit Linux.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// batch holds one socket's receive and send state.
type batch struct {
	recv  [udpBatch]mmsghdr
	rIov  [udpBatch]unix.Iovec
	rBuf  [udpBatch][]byte
	addrs [udpBatch]unix.RawSockaddrInet6 // large enough for IPv4 too
	send  [udpBatch]mmsghdr
	sIov  [udpBatch]unix.Iovec
	sBuf  [udpBatch][]byte
}

func newBatch() *batch {
	b := &batch{}
	for i := range b.recv {
		b.rBuf[i] = make([]byte, udpReadSize)
		b.sBuf[i] = make([]byte, 0, maxTCPSize+512)
		b.rIov[i].Base = &b.rBuf[i][0]
		b.rIov[i].SetLen(udpReadSize)
		b.recv[i].hdr.Iov = &b.rIov[i]
		b.recv[i].hdr.SetIovlen(1)
		b.recv[i].hdr.Name = (*byte)(unsafe.Pointer(&b.addrs[i]))
	}
	return b
}

func listenUDP(ctx context.Context, addr string, n int) ([]*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, udpRcvBuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var out []*net.UDPConn
	for i := 0; i < max(n, 1); i++ {
		pc, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			for _, c := range out {
				c.Close()
			}
			return nil, err
		}
		out = append(out, pc.(*net.UDPConn))
	}
	return out, nil
}

func (s *Server) serveUDP(c *net.UDPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	h := newHandler(s)
	b := newBatch()
	for {
		n, err := b.read(rc)
		if err != nil {
			if !isClosed(err) {
				s.log.Error("udp read", "err", err)
			}
			return
		}
		out := 0
		for i := 0; i < n; i++ {
			msg := b.rBuf[i][:b.recv[i].len]
			if b.recv[i].hdr.Flags&unix.MSG_TRUNC != 0 {
				continue
			}
			h.w.buf = b.sBuf[out][:0]
			resp := h.handle(msg, b.source(i), true)
			if resp == nil {
				continue
			}
			b.sBuf[out] = resp
			b.prepareSend(out, i)
			out++
		}
		if err := b.write(rc, out); err != nil && isClosed(err) {
			return
		}
	}
}

// read receives up to udpBatch packets, waiting in the runtime's poller.
func (b *batch) read(rc syscall.RawConn) (int, error) {
	for i := range b.recv {
		b.recv[i].hdr.Namelen = uint32(unsafe.Sizeof(b.addrs[i]))
		b.recv[i].hdr.Flags = 0
	}
	var n int
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.recv[0])), udpBatch, unix.MSG_DONTWAIT, 0, 0)
		if e == unix.EAGAIN || e == unix.EINTR {
			return false
		}
		n, errno = int(r), e
		return true
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, nil // a transient error (e.g. ECONNREFUSED from ICMP): keep going
	}
	return n, nil
}

// prepareSend points send slot out at its response and at the source of
// received packet i.
func (b *batch) prepareSend(out, i int) {
	b.sIov[out].Base = &b.sBuf[out][0]
	b.sIov[out].SetLen(len(b.sBuf[out]))
	m := &b.send[out].hdr
	m.Iov = &b.sIov[out]
	m.SetIovlen(1)
	m.Name = (*byte)(unsafe.Pointer(&b.addrs[i]))
	m.Namelen = b.recv[i].hdr.Namelen
}

// write sends the first n prepared responses, resuming after partial sends.
func (b *batch) write(rc syscall.RawConn, n int) error {
	sent := 0
	for sent < n {
		var errno syscall.Errno
		var r uintptr
		err := rc.Write(func(fd uintptr) bool {
			r, _, errno = unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.send[sent])), uintptr(n-sent), unix.MSG_DONTWAIT, 0, 0)
			return errno != unix.EAGAIN
		})
		if err != nil {
			return err
		}
		if errno != 0 {
			sent++ // skip the packet the kernel refused
			continue
		}
		sent += int(r)
	}
	return nil
}

// source decodes the sender of received packet i.
func (b *batch) source(i int) netip.AddrPort {
	raw := &b.addrs[i]
	switch raw.Family {
	case unix.AF_INET:
		v4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(raw))
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&v4.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom4(v4.Addr), port)
	case unix.AF_INET6:
		port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&raw.Port))[:])
		return netip.AddrPortFrom(netip.AddrFrom16(raw.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}
