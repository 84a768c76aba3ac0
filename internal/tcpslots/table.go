package tcpslots

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix lengths sources are grouped by: what one customer or one attacker
// usually holds, as in response rate limiting.
const (
	IPv4Prefix = 24
	IPv6Prefix = 56
)

// Limits bound the connections of one listener set.
type Limits struct {
	MaxConns     int           // open connections in total; past it the idlest is evicted
	MaxPerPrefix int           // open connections one /24 or /56 may hold; past it new ones are refused
	IdleTimeout  time.Duration // how long a connection may go without a response sent
	// Exempt sources are not held to MaxPerPrefix (the hub's own nodes,
	// which transfer many zones at once); they count in MaxConns.
	Exempt func(netip.Addr) bool
}

// Stats counts what the table did.
type Stats struct {
	Open    int    // connections open now
	Evicted uint64 // idlest connections closed to make room
	Refused uint64 // connections refused: their prefix held its share
}

// Table holds the open connections of one or more listeners.
type Table struct {
	lim      Limits
	epoch    time.Time
	mu       sync.Mutex
	conns    map[*Conn]struct{}
	byPrefix map[netip.Prefix]int
	evicted  atomic.Uint64
	refused  atomic.Uint64
}

// New makes a table; zero limits mean no cap and no idle deadline.
func New(lim Limits) *Table {
	return &Table{lim: lim, epoch: time.Now(), conns: map[*Conn]struct{}{}, byPrefix: map[netip.Prefix]int{}}
}

// Stats reports the table's counters.
func (t *Table) Stats() Stats {
	t.mu.Lock()
	open := len(t.conns)
	t.mu.Unlock()
	return Stats{Open: open, Evicted: t.evicted.Load(), Refused: t.refused.Load()}
}

// PrefixOf is the group a source address is counted in.
func PrefixOf(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := IPv6Prefix
	if a.Is4() {
		bits = IPv4Prefix
	}
	p, _ := a.Prefix(bits)
	return p
}

// Admit takes a slot for a newly accepted connection. When the source's
// prefix already holds its share, it returns false and the caller closes
// c; when every slot is taken, the idlest connection is closed to make room.
func (t *Table) Admit(c net.Conn) (*Conn, bool) {
	src := remoteAddr(c)
	pc := &Conn{Conn: c, t: t, prefix: PrefixOf(src)}
	pc.exempt = t.lim.Exempt != nil && t.lim.Exempt(src.Unmap())
	pc.last.Store(t.now())
	var victim *Conn
	t.mu.Lock()
	if !pc.exempt && t.lim.MaxPerPrefix > 0 && t.byPrefix[pc.prefix] >= t.lim.MaxPerPrefix {
		t.mu.Unlock()
		t.refused.Add(1)
		return nil, false
	}
	if t.lim.MaxConns > 0 && len(t.conns) >= t.lim.MaxConns {
		victim = t.idlestLocked()
		t.removeLocked(victim)
	}
	t.conns[pc] = struct{}{}
	t.byPrefix[pc.prefix]++
	t.mu.Unlock()
	if victim != nil {
		t.evicted.Add(1)
		victim.Conn.Close()
	}
	pc.SetReadDeadline(time.Time{}) // the idle deadline from the start
	return pc, true
}

// idlestLocked is the connection that sent a response least recently (or,
// having sent none, was accepted first). A scan: it runs only when every
// slot is taken, over at most MaxConns entries.
func (t *Table) idlestLocked() *Conn {
	var best *Conn
	var bestAt int64
	for c := range t.conns {
		if at := c.last.Load(); best == nil || at < bestAt {
			best, bestAt = c, at
		}
	}
	return best
}

func (t *Table) removeLocked(c *Conn) {
	if c == nil || c.removed {
		return
	}
	c.removed = true
	delete(t.conns, c)
	if t.byPrefix[c.prefix]--; t.byPrefix[c.prefix] <= 0 {
		delete(t.byPrefix, c.prefix)
	}
}

// now is the table's clock: nanoseconds since it was made (monotonic).
func (t *Table) now() int64 { return int64(time.Since(t.epoch)) }

func remoteAddr(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr()
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return ap.Addr()
}
