package tcpslots

import "net"

// Listener admits what ln accepts into t: a connection whose prefix holds
// its share is closed at once and the next one accepted, so a server loop
// around it (miekg/dns's) never sees the refusal.
type Listener struct {
	net.Listener
	t *Table
}

// Listen wraps ln.
func Listen(ln net.Listener, t *Table) *Listener { return &Listener{Listener: ln, t: t} }

// Accept returns the next admitted connection.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if pc, ok := l.t.Admit(c); ok {
			return pc, nil
		}
		c.Close()
	}
}
