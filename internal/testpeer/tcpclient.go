package testpeer

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// DialFrom opens a TCP connection to addr from source address src, closed
// at the end of the test. Linux routes all of 127.0.0.0/8 to lo, so binding
// to 127.X.Y.Z gives sources in as many /24s as a test needs.
func DialFrom(t testing.TB, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// QueryOnConn sends an SOA query for qname on the TCP connection c and
// returns the answer, waiting at most 2 s.
func QueryOnConn(c net.Conn, qname string) (*dns.Msg, error) {
	dc := &dns.Conn{Conn: c}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	defer c.SetDeadline(time.Time{})
	if err := dc.WriteMsg(new(dns.Msg).SetQuestion(qname, dns.TypeSOA)); err != nil {
		return nil, err
	}
	return dc.ReadMsg()
}
