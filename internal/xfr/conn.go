package xfr

import (
	"context"
	"encoding/binary"
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
	verifier   tsigVerifier
	buf        []byte // the message being read, reused: Unpack copies out
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
	c.verifier.provider = Provider(key)
	c.stop = context.AfterFunc(ctx, func() { nc.Close() })
	return c, nil
}

func (c *conn) close() {
	c.stop()
	c.dc.Close()
}

// write sends m, signed when the connection has a key.
func (c *conn) write(m *dns.Msg) error {
	c.key.sign(m)
	var out []byte
	var err error
	if c.key != nil {
		out, c.requestMAC, err = dns.TsigGenerateWithProvider(m, c.verifier.provider, "", false)
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
	buf, err := c.receive(ctx)
	if err != nil {
		return nil, err
	}
	m := new(dns.Msg)
	if err := m.Unpack(buf); err != nil {
		return nil, err
	}
	return m, c.check(buf, m.IsTsig(), -1, m.Rcode)
}

// readRaw receives one message and checks it as read does, without
// unpacking its records: the bytes are valid until the next read. An answer
// without records (an error, most likely) is unpacked and checked whole.
func (c *conn) readRaw(ctx context.Context) ([]byte, error) {
	buf, err := c.receive(ctx)
	if err != nil {
		return nil, err
	}
	if len(buf) < 12 {
		return nil, errMalformed
	}
	if buf[3]&0xF != 0 || binary.BigEndian.Uint16(buf[6:]) == 0 {
		m := new(dns.Msg)
		if err := m.Unpack(buf); err != nil {
			return nil, err
		}
		return buf, c.check(buf, m.IsTsig(), -1, m.Rcode)
	}
	off, tsig, err := findTSIG(buf)
	if err != nil {
		off, tsig = -1, nil // unsigned, or malformed: check says which
	}
	return buf, c.check(buf, tsig, off, dns.RcodeSuccess)
}

// receive reads one message into the connection's buffer.
func (c *conn) receive(ctx context.Context) ([]byte, error) {
	c.dc.SetReadDeadline(time.Now().Add(c.timeout))
	if c.buf == nil {
		c.buf = make([]byte, dns.MaxMsgSize)
	}
	n, err := c.dc.Read(c.buf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, explainNet(c.server, err)
	}
	c.received += int64(n)
	return c.buf[:n], nil
}

// check verifies the TSIG of msg (its record tsig, nil if unsigned, found
// at tsigOff, or -1 when the offset is not known yet) and turns a TSIG
// error or an error rcode into an error.
func (c *conn) check(msg []byte, tsig *dns.TSIG, tsigOff, rcode int) error {
	if tsig != nil && tsig.Error != 0 {
		e := &TSIGError{Server: c.server, Key: c.key.nameOrEmpty(), Code: tsig.Error}
		if tsig.Error == dns.RcodeBadTime {
			e.Skew = serverSkew(tsig, time.Now())
		}
		return e
	}
	if c.key != nil && !(c.unsignedOK && tsig == nil) {
		if tsig == nil && rcode != dns.RcodeSuccess {
			return &RcodeError{Server: c.server, Rcode: rcode}
		}
		var err error
		if tsigOff >= 0 {
			err = c.verifier.verifyAt(msg, tsigOff, tsig, c.requestMAC, c.timersOnly, time.Now())
		} else {
			_, err = c.verifier.verify(msg, c.requestMAC, c.timersOnly, time.Now())
		}
		if err != nil {
			return verifyError(c.server, c.key, err, tsig)
		}
		c.requestMAC = tsig.MAC
		c.timersOnly = true
	}
	if rcode != dns.RcodeSuccess {
		return &RcodeError{Server: c.server, Rcode: rcode}
	}
	return nil
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
