//go:build linux && (amd64 || arm64)

package authserver

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP on Linux reads and writes packets in batches (recvmmsg/sendmmsg), one
// socket per core bound with SO_REUSEPORT so the kernel spreads the load, as
// NSD and Knot do. One goroutine owns each socket and all of its buffers.

const (
	udpPollTimeout = 200 * time.Millisecond
	udpBatch       = 32
	udpReadSize    = 4096
	udpRcvBuf      = 4 << 20
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
	lc := listenConfig(func(fd int) error {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, udpRcvBuf)
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
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

// serveUDP runs one socket's loop on a thread of its own, blocking in
// recvmmsg like NSD does: going through the runtime's poller for every batch
// costs more CPU than answering the queries in it. A receive timeout lets
// the loop notice shutdown; the caller closes the socket after it returns.
func (s *Server) serveUDP(ctx context.Context, c *net.UDPConn) {
	fd, err := blockingFD(c)
	if err != nil {
		s.log.Error("udp socket", "err", err)
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := newHandler(s)
	local := localAddr(c.LocalAddr())
	away := s.away.counter(local, false)
	b := newBatch()
	for ctx.Err() == nil {
		n := b.read(fd)
		out := 0
		for i := 0; i < n; i++ {
			msg := b.rBuf[i][:b.recv[i].len]
			if b.recv[i].hdr.Flags&unix.MSG_TRUNC != 0 {
				continue
			}
			h.w.buf = b.sBuf[out][:0]
			src := b.source(i)
			countAway(away, src, local)
			resp := h.handle(msg, src, true)
			if resp == nil {
				continue
			}
			b.sBuf[out] = resp
			b.prepareSend(out, i)
			out++
		}
		b.write(fd, out)
	}
}

// blockingFD switches the socket to blocking mode with a receive timeout
// and returns its descriptor, which stays valid until c is closed.
func blockingFD(c *net.UDPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	var fd int
	var serr error
	err = rc.Control(func(f uintptr) {
		fd = int(f)
		if serr = unix.SetNonblock(fd, false); serr != nil {
			return
		}
		tv := unix.NsecToTimeval(int64(udpPollTimeout))
		serr = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	})
	if err != nil {
		return -1, err
	}
	return fd, serr
}

// read blocks until at least one packet arrives (or the receive timeout
// passes) and takes every packet already queued, up to udpBatch.
func (b *batch) read(fd int) int {
	for i := range b.recv {
		b.recv[i].hdr.Namelen = uint32(unsafe.Sizeof(b.addrs[i]))
		b.recv[i].hdr.Flags = 0
	}
	// Under load packets are already queued: take them without telling the
	// scheduler (a raw system call that cannot block); only an empty queue
	// pays for a blocking call, during which the runtime may run others.
	r, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&b.recv[0])), udpBatch, unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN {
		r, _, errno = unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&b.recv[0])), udpBatch, unix.MSG_WAITFORONE, 0, 0)
	}
	if errno != 0 {
		return 0 // timeout, EINTR, or an ICMP error queued on the socket: go round again
	}
	return int(r)
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

// write sends the first n prepared responses, resuming after partial sends
// and skipping a packet the kernel refuses. Like read, it tries a raw,
// non-blocking call first and blocks (through the scheduler) only when the
// socket's send buffer is full.
func (b *batch) write(fd, n int) {
	for sent := 0; sent < n; {
		msgs, count := uintptr(unsafe.Pointer(&b.send[sent])), uintptr(n-sent)
		r, _, errno := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(fd), msgs, count, unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EAGAIN {
			r, _, errno = unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd), msgs, count, 0, 0, 0)
		}
		if errno != 0 {
			sent++
			continue
		}
		sent += int(r)
	}
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
