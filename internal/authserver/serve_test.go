package authserver

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startServing runs s on a free loopback port (IPv4 and, where the host has
// it, IPv6) and returns the addresses once every socket is bound. A port
// taken between probing and binding is retried with another.
func startServing(t *testing.T, s *Server) []string {
	t.Helper()
	for attempt := 0; attempt < 10; attempt++ {
		if addrs, ok := tryServing(t, s); ok {
			return addrs
		}
	}
	t.Fatal("no free port found for the server")
	return nil
}

func tryServing(t *testing.T, s *Server) ([]string, bool) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	addrs := []string{net.JoinHostPort("127.0.0.1", itoa(port))}
	if c, err := net.ListenPacket("udp", "[::1]:0"); err == nil {
		c.Close()
		addrs = append(addrs, net.JoinHostPort("::1", itoa(port)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, addrs, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Logf("serve on port %d: %v", port, err)
		return nil, false
	case <-time.After(5 * time.Second):
		t.Fatal("server not ready after 5s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop within 5s")
		}
	})
	return addrs, true
}

func itoa(i int) string { return (&net.TCPAddr{Port: i}).String()[1:] }

func TestServeUDPAndTCP(t *testing.T) {
	addrs := startServing(t, testServer(t))
	for _, addr := range addrs {
		for _, proto := range []string{"udp", "tcp"} {
			c := &dns.Client{Net: proto, Timeout: 2 * time.Second}
			m := new(dns.Msg).SetQuestion("sv.", dns.TypeSOA)
			resp, _, err := c.Exchange(m, addr)
			if err != nil {
				t.Fatalf("%s %s: %v", proto, addr, err)
			}
			if !resp.Authoritative || len(resp.Answer) != 1 {
				t.Errorf("%s %s: %v", proto, addr, resp)
			}
		}
	}
}

// TestTCPPipelining: several requests written at once on one connection are
// all answered, in order (RFC 7766 6.2.1.1).
func TestTCPPipelining(t *testing.T) {
	addrs := startServing(t, testServer(t))
	conn, err := net.DialTimeout("tcp", addrs[0], 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	names := []string{"sv.", "web.sv.", "mail.sv.", "nothere.sv."}
	var out []byte
	for i, n := range names {
		m := new(dns.Msg).SetQuestion(n, dns.TypeA)
		m.Id = uint16(100 + i)
		b, _ := m.Pack()
		out = binary.BigEndian.AppendUint16(out, uint16(len(b)))
		out = append(out, b...)
	}
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	for i := range names {
		var l [2]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(conn, b); err != nil {
			t.Fatal(err)
		}
		resp := new(dns.Msg)
		if err := resp.Unpack(b); err != nil || resp.Id != uint16(100+i) {
			t.Fatalf("response %d: id %d err %v", i, resp.Id, err)
		}
	}
}
