package xfr

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// A server that swallows queries is reported as a timeout an operator can
// act on, within the configured time.
func TestTimeoutExplained(t *testing.T) {
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	c := Client{Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err = c.QuerySOA(context.Background(), sink.LocalAddr().String(), "example.")
	if err == nil || !strings.Contains(err.Error(), "no answer from "+sink.LocalAddr().String()+" in time") {
		t.Fatalf("err = %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v with a 300ms timeout", took)
	}
}

// Cancelling the context ends a transfer at once, even with a long timeout.
func TestContextCancelsTransfer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			defer conn.Close()
			time.Sleep(5 * time.Second) // accepts, never answers
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Client{Timeout: time.Minute}.AXFR(ctx, ln.Addr().String(), "example.")
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}
