package xfr

import (
	"context"
	"net"
	"time"

	"github.com/miekg/dns"
)

// conn is one client connection that signs what it sends and verifies what
// it receives with a TSIG key, following RFC 8945 section 5.3.1 for the
// messages of a multi-message answer (prior MAC, timers only).
type conn struct {
	server     string
	key        *Key
	dc         *dns.Conn
	timeout    time.Duration
	requestMAC string
	timersOnly bool
	// unsignedOK accepts an unsigned answer to a signed request (a NOTIFY
	// acknowledgement: a forged one only suppresses a hint).
	unsignedOK bool
	stop       func() bool
	received   int64 // wire bytes read, for the transfer limits
}

// dial connects to server over network ("udp" or "tcp"). Cancelling ctx
// closes the connection, which ends any read in progress.
func dial(ctx context.Context, network, server string, key *Key, timeout time.Duration) (*conn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, network, server)
	if err != nil {
		return nil, explainNet(server, err)
	}
	c := &conn{server: server, key: key, dc: &dns.Conn{Conn: nc}, timeout: timeout}
	c.stop = context.AfterFunc(ctx, func() { nc.Close() })
	return c, nil
}

func (c *conn) close() {
	c.stop()
	c.dc.Close()
}

func (c *conn) provider() dns.TsigProvider {
	return Provider(c.key)
}

// write sends m, signed when the connection has a key.
func (c *conn) write(m *dns.Msg) error {
	c.key.sign(m)
	var out []byte
	var err error
	if c.key != nil {
		out, c.requestMAC, err = dns.TsigGenerateWithProvider(m, c.provider(), "", false)
	} else {
		out, err = m.Pack()
	}
	if err != nil {
		return err
	}
	c.dc.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.dc.Write(out); err != nil {
		return explainNet(c.server, err)
	}
	return nil
}

// read receives one message and checks its TSIG. A TSIG error the server
// reports, or an error RCODE, is returned as such.
func (c *conn) read(ctx context.Context) (*dns.Msg, error) {
	c.dc.SetReadDeadline(time.Now().Add(c.timeout))
	buf := make([]byte, dns.MaxMsgSize)
	n, err := c.dc.Read(buf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, explainNet(c.server, err)
	}
	c.received += int64(n)
	m := new(dns.Msg)
	if err := m.Unpack(buf[:n]); err != nil {
		return nil, err
	}
	if t := m.IsTsig(); t != nil && t.Error != 0 {
		e := &TSIGError{Server: c.server, Key: c.key.nameOrEmpty(), Code: t.Error}
		if t.Error == dns.RcodeBadTime {
			e.Skew = serverSkew(t, time.Now())
		}
		return m, e
	}
	if c.key != nil && !(c.unsignedOK && m.IsTsig() == nil) {
		if m.IsTsig() == nil && m.Rcode != dns.RcodeSuccess {
			return m, &RcodeError{Server: c.server, Rcode: m.Rcode}
		}
		if err := dns.TsigVerifyWithProvider(buf[:n], c.provider(), c.requestMAC, c.timersOnly); err != nil {
			return m, verifyError(c.server, c.key, err, m.IsTsig())
		}
		c.requestMAC = m.IsTsig().MAC
		c.timersOnly = true
	}
	if m.Rcode != dns.RcodeSuccess {
		return m, &RcodeError{Server: c.server, Rcode: m.Rcode}
	}
	return m, nil
}

func (k *Key) nameOrEmpty() string {
	if k == nil {
		return ""
	}
	return k.Name
}

// exchange sends one query and reads its answer over network.
func exchange(ctx context.Context, network, server string, key *Key, timeout time.Duration, q *dns.Msg) (*dns.Msg, error) {
	return exchangeOpt(ctx, network, server, key, timeout, q, false)
}

func exchangeOpt(ctx context.Context, network, server string, key *Key, timeout time.Duration, q *dns.Msg, unsignedOK bool) (*dns.Msg, error) {
	c, err := dial(ctx, network, server, key, timeout)
	if err != nil {
		return nil, err
	}
	c.unsignedOK = unsignedOK
	defer c.close()
	if err := c.write(q); err != nil {
		return nil, err
	}
	for {
		m, err := c.read(ctx)
		if err != nil || m.Id == q.Id {
			return m, err
		}
		// A stray answer to an earlier query on UDP: keep waiting.
	}
}
