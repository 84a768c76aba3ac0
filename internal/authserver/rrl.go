package authserver

import (
	"hash/maphash"
	"net/netip"
	"sync/atomic"
	"time"
)

// Response rate limiting as BIND, NSD and Knot DNS do it: responses to one
// source prefix (/24 for IPv4, /56 for IPv6) of one class for one name are
// counted per second; past the limit they are dropped, except every Slip-th
// one, sent truncated and empty so a real client retries over TCP while a
// spoofed victim gets nothing larger than the query. Only UDP is limited.
// Names an attacker can vary at will count against what they share:
// NXDOMAIN against the zone, answers from a wildcard or a DNAME against its
// owner (NSD's rrl_type_wildcard), so random names cannot dodge the limit.

// RRLConfig configures response rate limiting.
type RRLConfig struct {
	ResponsesPerSecond int // per source prefix, class and name; default 20
	Slip               int // every Slip-th limited response is sent TC; 0: default 2; 1: all; -1: none
	IPv4Prefix         int // default 24
	IPv6Prefix         int // default 56
	TableSize          int // buckets (a power of two); default 262144
	// Exempt sources are never limited (the operator's own monitoring, as
	// Knot's rrl whitelist and BIND's exempt-clients).
	Exempt []netip.Prefix
}

// RRLStats counts what the limiter did.
type RRLStats struct {
	Limited uint64 // responses dropped or slipped
	Slipped uint64 // limited responses sent truncated
}

// response classes a limit applies to separately.
const (
	rrlAnswer = iota + 1
	rrlReferral
	rrlNoData
	rrlNXDomain
	rrlError
	rrlWildcard // answers and NODATA synthesised from a wildcard or DNAME
)

// rrl is the limiter. Its table is shared by every listener; a bucket is one
// atomic word holding a tag of its key, the second it counts and the count,
// so no lock is taken per response. Colliding keys share a bucket, which
// only ever limits sooner, as in BIND's and Knot's tables.
type rrl struct {
	cfg     RRLConfig
	seed    maphash.Seed
	buckets []atomic.Uint64
	slip    atomic.Uint64
	limited atomic.Uint64
	slipped atomic.Uint64
	now     func() int64 // seconds; replaced in tests
}

func newRRL(cfg RRLConfig) *rrl {
	if cfg.ResponsesPerSecond <= 0 {
		cfg.ResponsesPerSecond = 20
	}
	if cfg.Slip == 0 {
		cfg.Slip = 2
	}
	if cfg.IPv4Prefix <= 0 || cfg.IPv4Prefix > 32 {
		cfg.IPv4Prefix = 24
	}
	if cfg.IPv6Prefix <= 0 || cfg.IPv6Prefix > 128 {
		cfg.IPv6Prefix = 56
	}
	size := 1 << 18
	if cfg.TableSize > 0 {
		for size = 1; size < cfg.TableSize; size <<= 1 {
		}
	}
	return &rrl{cfg: cfg, seed: maphash.MakeSeed(), buckets: make([]atomic.Uint64, size),
		now: func() int64 { return time.Now().Unix() }}
}

// verdict is what to do with a response.
type verdict int

const (
	rrlPass verdict = iota
	rrlDrop
	rrlSlip
)

// check counts one response and says whether it may go out.
func (l *rrl) check(src netip.Addr, class int, name []byte) verdict {
	if len(l.cfg.Exempt) > 0 {
		unmapped := src.Unmap()
		for _, p := range l.cfg.Exempt {
			if p.Contains(unmapped) {
				return rrlPass
			}
		}
	}
	h := l.key(src, class, name)
	b := &l.buckets[h&uint64(len(l.buckets)-1)]
	tag := h >> 40 // 24 bits
	sec := uint64(l.now()) & 0xFFFF
	for {
		old := b.Load()
		count := uint64(0)
		if old>>40 == tag && (old>>24)&0xFFFF == sec {
			count = old & 0xFFFFFF
		}
		if count >= uint64(l.cfg.ResponsesPerSecond) {
			return l.limit()
		}
		if b.CompareAndSwap(old, tag<<40|sec<<24|(count+1)) {
			return rrlPass
		}
	}
}

func (l *rrl) limit() verdict {
	l.limited.Add(1)
	if l.cfg.Slip > 0 && l.slip.Add(1)%uint64(l.cfg.Slip) == 0 {
		l.slipped.Add(1)
		return rrlSlip
	}
	return rrlDrop
}

// key hashes the source prefix, the class and the name.
func (l *rrl) key(src netip.Addr, class int, name []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(l.seed)
	bits := l.cfg.IPv6Prefix
	if src.Is4() {
		bits = l.cfg.IPv4Prefix
	}
	p, _ := src.Prefix(bits)
	a := p.Addr().As16()
	h.Write(a[:])
	h.WriteByte(byte(class))
	h.Write(name)
	return h.Sum64()
}

func (l *rrl) stats() RRLStats {
	return RRLStats{Limited: l.limited.Load(), Slipped: l.slipped.Load()}
}
