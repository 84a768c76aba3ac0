package firewall

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/lab"
	"anycloud/internal/testenv"
)

// TestRulesetInNamespace applies the ruleset in a node namespace of its
// own and sends, from a second namespace with the hub's, the peer's, an
// operator's and a stranger's addresses, what a node sees: queries,
// NOTIFY, BGP, SSH, metrics and an unlisted port. Each either gets an
// answer or a connection (pass) or nothing (drop).
func TestRulesetInNamespace(t *testing.T) {
	testenv.RequireRoot(t, "network namespaces, nftables")
	testenv.RequireCommand(t, "ip", "nft")
	node, world := fmt.Sprintf("fwn%d", os.Getpid()%100000), fmt.Sprintf("fww%d", os.Getpid()%100000)
	setupPair(t, node, world)
	startListeners(t, node)
	rules := filepath.Join(t.TempDir(), "rules.nft")
	os.WriteFile(rules, []byte(Ruleset(sampleSpec())), 0o644)
	if os.Getenv("FW_NORULES") == "" {
		run(t, "ip", "netns", "exec", node, "nft", "-f", rules)
	}

	const hub, peer, operator, stranger = "192.0.2.10", "192.0.2.20", "192.0.2.30", "192.0.2.40"
	warmUp(t, world, []string{"2001:db8:1::20", "2001:db8:1::40", hub, peer, operator, stranger})
	tests := []struct {
		what     string
		from, to string
		probe    func(from, to string) error
		pass     bool
	}{
		{"query to the service address", stranger, "198.51.100.53:53", udpQuery(dns.OpcodeQuery), true},
		{"query over TCP to the service address", stranger, "198.51.100.53:53", tcpQuery, true},
		{"query to the unicast address", stranger, "192.0.2.1:53", udpQuery(dns.OpcodeQuery), true},
		{"query over IPv6 to the unicast address", "2001:db8:1::40", "[2001:db8:1::1]:53", udpQuery(dns.OpcodeQuery), true},
		{"NOTIFY from the hub", hub, "192.0.2.1:53", udpQuery(dns.OpcodeNotify), true},
		{"NOTIFY from a stranger", stranger, "192.0.2.1:53", udpQuery(dns.OpcodeNotify), false},
		{"BGP from the peer", peer, "192.0.2.1:179", tcpConnect, true},
		{"BGP from the peer over IPv6", "2001:db8:1::20", "[2001:db8:1::1]:179", tcpConnect, true},
		{"BGP from a stranger", stranger, "192.0.2.1:179", tcpConnect, false},
		{"BGP from the hub", hub, "192.0.2.1:179", tcpConnect, false},
		{"SSH from an operator", operator, "192.0.2.1:22", tcpConnect, true},
		{"metrics from an operator", operator, "192.0.2.1:9153", tcpConnect, true},
		{"SSH from a stranger", stranger, "192.0.2.1:22", tcpConnect, false},
		{"metrics from the hub (its monitor)", hub, "192.0.2.1:9153", tcpConnect, true},
		{"SSH from the hub", hub, "192.0.2.1:22", tcpConnect, false},
		{"metrics from a stranger over IPv6", "2001:db8:1::40", "[2001:db8:1::1]:9153", tcpConnect, false},
		{"an unlisted port from an operator", operator, "192.0.2.1:8080", tcpConnect, false},
	}
	for _, tt := range tests {
		var err error
		lab.InNamespace(world, func() error { err = tt.probe(tt.from, tt.to); return nil })
		if (err == nil) != tt.pass {
			t.Errorf("%s (%s -> %s): pass=%v (%v), want pass=%v", tt.what, tt.from, tt.to, err == nil, err, tt.pass)
		}
	}
	out, _ := exec.Command("ip", "netns", "exec", node, "nft", "list", "chain", "inet", "anycloud", "input").CombinedOutput()
	if t.Failed() || !strings.Contains(string(out), "packets") {
		t.Logf("counters:\n%s", out)
	}
}

func run(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
}

// setupPair links the node and world namespaces; the world holds the
// hub's, peer's, operator's and a stranger's addresses and routes the
// service address to the node.
func setupPair(t *testing.T, node, world string) {
	t.Helper()
	run(t, "ip", "netns", "add", node)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", node).Run() })
	run(t, "ip", "netns", "add", world)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", world).Run() })
	run(t, "ip", "link", "add", "fwn0", "netns", node, "type", "veth", "peer", "name", "fww0", "netns", world)
	// No duplicate address detection: a tentative link-local address
	// stalls neighbour discovery for a second or more.
	run(t, "ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv6.conf.fwn0.accept_dad=0")
	run(t, "ip", "netns", "exec", world, "sysctl", "-qw", "net.ipv6.conf.fww0.accept_dad=0")
	for _, c := range [][]string{
		{node, "addr", "add", "192.0.2.1/24", "dev", "fwn0"}, {node, "addr", "add", "2001:db8:1::1/64", "dev", "fwn0", "nodad"},
		{node, "addr", "add", "198.51.100.53/32", "dev", "lo"}, {node, "link", "set", "lo", "up"}, {node, "link", "set", "fwn0", "up"},
		{world, "addr", "add", "192.0.2.10/24", "dev", "fww0"}, {world, "addr", "add", "192.0.2.20/24", "dev", "fww0"},
		{world, "addr", "add", "192.0.2.30/24", "dev", "fww0"}, {world, "addr", "add", "192.0.2.40/24", "dev", "fww0"},
		{world, "addr", "add", "2001:db8:1::20/64", "dev", "fww0", "nodad"}, {world, "addr", "add", "2001:db8:1::40/64", "dev", "fww0", "nodad"},
		{world, "link", "set", "fww0", "up"}, {world, "link", "set", "lo", "up"}, {world, "route", "add", "198.51.100.53/32", "via", "192.0.2.1"},
	} {
		run(t, append([]string{"ip", "-n", c[0]}, c[1:]...)...)
	}
}

// startListeners answers DNS (UDP and TCP, any opcode) on port 53 and
// accepts TCP on 179, 22, 9153 and 8080, all inside the node namespace.
func startListeners(t *testing.T, ns string) {
	t.Helper()
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		w.WriteMsg(m)
	})
	accept := func(msg dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }
	err := lab.InNamespace(ns, func() error {
		pc, err := net.ListenPacket("udp", ":53")
		if err != nil {
			return err
		}
		tl, err := net.Listen("tcp", ":53")
		if err != nil {
			return err
		}
		for _, s := range []*dns.Server{{PacketConn: pc, Handler: handler, MsgAcceptFunc: accept}, {Listener: tl, Handler: handler}} {
			go s.ActivateAndServe()
			t.Cleanup(func() { s.Shutdown() })
		}
		for _, port := range []int{179, 22, 9153, 8080} {
			l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
			if err != nil {
				return err
			}
			t.Cleanup(func() { l.Close() })
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

const probeTimeout = 400 * time.Millisecond

// warmUp has each source address query the unicast address (always
// allowed) until it answers, bounded by 5 s, so that neighbour discovery
// has settled before a probe's silence is read as a drop.
func warmUp(t *testing.T, world string, sources []string) {
	t.Helper()
	for _, src := range sources {
		to := "192.0.2.1:53"
		if strings.Contains(src, ":") {
			to = "[2001:db8:1::1]:53"
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			var err error
			lab.InNamespace(world, func() error { err = udpQuery(dns.OpcodeQuery)(src, to); return nil })
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never reached %s: %v", src, to, err)
			}
		}
	}
}

func udpQuery(opcode int) func(from, to string) error {
	return func(from, to string) error {
		m := new(dns.Msg)
		m.SetQuestion("sv.", dns.TypeSOA)
		m.Opcode = opcode
		c := &dns.Client{Net: "udp", Timeout: probeTimeout, Dialer: &net.Dialer{Timeout: probeTimeout, LocalAddr: &net.UDPAddr{IP: net.ParseIP(from)}}}
		_, _, err := c.Exchange(m, to)
		return err
	}
}

func tcpQuery(from, to string) error {
	m := new(dns.Msg)
	m.SetQuestion("sv.", dns.TypeSOA)
	c := &dns.Client{Net: "tcp", Timeout: probeTimeout, Dialer: &net.Dialer{Timeout: probeTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}}
	_, _, err := c.Exchange(m, to)
	return err
}

func tcpConnect(from, to string) error {
	d := &net.Dialer{Timeout: probeTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", to)
	if err == nil {
		c.Close()
	}
	return err
}
