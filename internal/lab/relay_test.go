package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestRelayDelaysAndKeepsTCPIntact sends 8 MiB over TCP through the delay
// relay. Veth offloads checksums and segmentation, so this fails unless the
// relay carries the offload state (PACKET_VNET_HDR) across; the connect
// time shows the delay.
func TestRelayDelaysAndKeepsTCPIntact(t *testing.T) {
	requireLabTools(t)
	p := fmt.Sprintf("r%d-", os.Getpid()%100000)
	a, b, relay := p+"a", p+"b", p+"relay"
	ctx := context.Background()
	for ns, role := range map[string]string{a: RoleClient, b: RoleClient, relay: RoleRelay} {
		if err := createNamespace(ctx, ns, role); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { removeNamespace(context.Background(), ns) })
	}
	must(t, veth(ctx, a, "eth0", relay, "ra"))
	must(t, veth(ctx, b, "eth0", relay, "rb"))
	must(t, addrUp(ctx, a, "eth0", "192.0.2.1/30", "2001:db8::1/64"))
	must(t, addrUp(ctx, b, "eth0", "192.0.2.2/30", "2001:db8::2/64"))
	for _, ifname := range []string{"ra", "rb"} {
		must(t, ip(ctx, "-n", relay, "link", "set", ifname, "promisc", "on", "up"))
	}
	exe, _ := os.Executable()
	cmd := exec.Command("ip", "netns", "exec", relay, exe, RelayPair{A: "ra", B: "rb", Delay: 20 * time.Millisecond}.String())
	cmd.Env = append(os.Environ(), roleEnv+"=relay")
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	for _, target := range []string{"192.0.2.2", "2001:db8::2"} {
		t.Run(target, func(t *testing.T) { transferThroughRelay(t, a, b, target) })
	}
}

func transferThroughRelay(t *testing.T, from, to, target string) {
	var ln net.Listener
	must(t, InNamespace(to, func() (err error) {
		ln, err = net.Listen("tcp", net.JoinHostPort(target, "0"))
		return err
	}))
	defer ln.Close()
	payload := make([]byte, 8<<20)
	rand.Read(payload)
	got := make(chan [32]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- [32]byte{}
			return
		}
		defer c.Close()
		h := sha256.New()
		io.Copy(h, c)
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		got <- sum
	}()
	var conn net.Conn
	start := time.Now()
	// The relay may still be opening its sockets: retry the dial briefly.
	for i := 0; i < 20; i++ {
		err := InNamespace(from, func() (err error) {
			conn, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
			return err
		})
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
		start = time.Now()
	}
	if conn == nil {
		t.Fatal("could not connect through the relay")
	}
	handshake := time.Since(start)
	io.Copy(conn, bytes.NewReader(payload))
	conn.Close()
	select {
	case sum := <-got:
		if sum != sha256.Sum256(payload) {
			t.Fatal("payload corrupted or truncated through the relay")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("transfer through the relay timed out")
	}
	t.Logf("%s: TCP handshake %v, 8 MiB in %v", target, handshake, time.Since(start))
	if handshake < 40*time.Millisecond || handshake > 500*time.Millisecond {
		t.Errorf("handshake took %v, want about one 40 ms round trip", handshake)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
