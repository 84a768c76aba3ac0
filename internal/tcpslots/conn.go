package tcpslots

import (
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// Conn is an admitted connection. It counts a write (a response, or a
// piece of a zone transfer in progress) as activity; reads are not, so
// zero-length frames, partial frames or junk the server drops without an
// answer do not keep it open. Every read deadline its user sets is cut to
// the idle deadline: the last activity plus the idle timeout.
type Conn struct {
	net.Conn
	t       *Table
	prefix  netip.Prefix
	exempt  bool
	last    atomic.Int64 // Table.now of the last write, or of the accept
	removed bool         // guarded by t.mu
}

// Write sends b. A response is activity from the moment it is sent: marked
// before the write, so a client that has read it and opens another
// connection never finds this one still counted idle (eviction picks the
// idlest), and again once the write completes, so a long write (a piece of
// a transfer to a slow reader) counts from its end. A write that fails
// ends the connection anyway.
func (c *Conn) Write(b []byte) (int, error) {
	c.last.Store(c.t.now())
	n, err := c.Conn.Write(b)
	if n > 0 && err == nil {
		c.last.Store(c.t.now())
	}
	return n, err
}

// SetReadDeadline sets d or the idle deadline, whichever comes first; the
// zero time means the idle deadline alone.
func (c *Conn) SetReadDeadline(d time.Time) error {
	if idle := c.t.lim.IdleTimeout; idle > 0 {
		limit := c.t.epoch.Add(time.Duration(c.last.Load()) + idle)
		if d.IsZero() || d.After(limit) {
			d = limit
		}
	}
	return c.Conn.SetReadDeadline(d)
}

// SetDeadline sets the write deadline to d and the read deadline as
// SetReadDeadline does.
func (c *Conn) SetDeadline(d time.Time) error {
	if err := c.Conn.SetWriteDeadline(d); err != nil {
		return err
	}
	return c.SetReadDeadline(d)
}

// Close frees the slot (once) and closes the connection.
func (c *Conn) Close() error {
	c.t.mu.Lock()
	c.t.removeLocked(c)
	c.t.mu.Unlock()
	return c.Conn.Close()
}
