package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The delay relay stands in for tc netem, which this kernel lacks. Each
// inter-router link is two veth pairs whose inner ends sit in the relay
// namespace; the relay reads every frame from one inner end with an
// AF_PACKET socket, holds it for the link's one-way delay and writes it to
// the other. PACKET_VNET_HDR carries each frame's checksum-offload and
// segmentation state across, so frames whose checksums the sending stack
// left to "hardware" (veth) arrive valid without ethtool or recomputing.

// RelayPair bridges two relay-side interfaces with a one-way delay each way.
type RelayPair struct {
	A, B  string
	Delay time.Duration
}

// String is the command-line form "A,B,DELAY".
func (p RelayPair) String() string { return fmt.Sprintf("%s,%s,%s", p.A, p.B, p.Delay) }

// ParseRelayPair reads "A,B,DELAY".
func ParseRelayPair(s string) (RelayPair, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return RelayPair{}, fmt.Errorf("relay pair %q: want A,B,DELAY", s)
	}
	d, err := time.ParseDuration(f[2])
	if err != nil {
		return RelayPair{}, fmt.Errorf("relay pair %q: %w", s, err)
	}
	return RelayPair{A: f[0], B: f[1], Delay: d}, nil
}

const (
	vnetHdrLen    = 10 // struct virtio_net_hdr
	maxFrame      = 65536 + vnetHdrLen
	queuePerDir   = 4096 // frames in flight per direction; more are dropped like a full queue
	ethPAll       = 0x0003
	packetVnetHdr = 15 // PACKET_VNET_HDR
	packetIgnOut  = 23 // PACKET_IGNORE_OUTGOING
)

// RunRelay relays frames until ctx ends. It must run inside the relay
// namespace.
func RunRelay(ctx context.Context, pairs []RelayPair, log *slog.Logger) error {
	var wg sync.WaitGroup
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
		wg.Wait()
	}()
	for _, p := range pairs {
		a, err := openPacket(p.A)
		if err != nil {
			return err
		}
		files = append(files, a)
		b, err := openPacket(p.B)
		if err != nil {
			return err
		}
		files = append(files, b)
		for _, dir := range [][2]*os.File{{a, b}, {b, a}} {
			wg.Add(2)
			q := make(chan frame, queuePerDir)
			go func(from *os.File) { defer wg.Done(); readFrames(ctx, from, p.Delay, q, log) }(dir[0])
			go func(to *os.File) { defer wg.Done(); writeFrames(to, q, log) }(dir[1])
		}
	}
	log.Info("relay running", "pairs", len(pairs))
	<-ctx.Done()
	return nil
}

type frame struct {
	due  time.Time
	data []byte
}

// openPacket opens a non-blocking AF_PACKET socket bound to ifname, wrapped
// in an *os.File so that reads use the runtime poller and Close unblocks them.
func openPacket(ifname string) (*os.File, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("relay: %s: %w", ifname, err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(ethPAll)))
	if err != nil {
		return nil, fmt.Errorf("relay: packet socket: %w", err)
	}
	for _, opt := range []int{packetVnetHdr, packetIgnOut} {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, opt, 1); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("relay: %s: setsockopt %d: %w", ifname, opt, err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(ethPAll), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("relay: bind %s: %w", ifname, err)
	}
	return os.NewFile(uintptr(fd), "packet:"+ifname), nil
}

func readFrames(ctx context.Context, from *os.File, delay time.Duration, q chan<- frame, log *slog.Logger) {
	defer close(q)
	buf := make([]byte, maxFrame)
	for {
		n, err := from.Read(buf)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, os.ErrClosed) {
				log.Error("relay read", "if", from.Name(), "err", err)
			}
			return
		}
		f := frame{due: time.Now().Add(delay), data: append([]byte(nil), buf[:n]...)}
		select {
		case q <- f:
		default: // queue full: drop, as a congested link would
		}
	}
}

// writeFrames sends frames in order once each is due; the delay is the same
// for every frame of a direction, so the queue stays sorted.
func writeFrames(to *os.File, q <-chan frame, log *slog.Logger) {
	for f := range q {
		if wait := time.Until(f.due); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := to.Write(f.data); err != nil && !errors.Is(err, os.ErrClosed) {
			log.Debug("relay write", "if", to.Name(), "err", err)
		}
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
