package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
	"anycloud/internal/node"
	"anycloud/internal/testenv"
)

// startTestHub runs a hub set up for onboarding, with no client and no
// node, and returns its DNS and control addresses.
func startTestHub(t *testing.T) (string, string) {
	t.Helper()
	dnsAddr, control, _ := startTestHubIn(t)
	return dnsAddr, control
}

// startTestHubIn is startTestHub that also returns the hub's storage
// directory.
func startTestHubIn(t *testing.T) (string, string, string) {
	t.Helper()
	dir := t.TempDir()
	dnsAddr, control := freeAddr(t), freeAddr(t)
	conf := fmt.Sprintf("listen: [%q]\ncontrol: %s\nstorage: %s\ncatalog: catalog.anycloud.\n"+
		"onboarding: {nameservers: [ns.anycloud.test.], service: [\"198.51.100.53\", \"2001:db8:53::53\"]}\n", dnsAddr, control, filepath.Join(dir, "storage"))
	path := filepath.Join(dir, "hub.yaml")
	os.WriteFile(path, []byte(conf), 0o600)
	// Commands given only --control find the token through this
	// configuration, as on a hub's host through /etc/anycloud/hub.yaml.
	t.Setenv(hubConfigEnv, path)
	startHubFromConfig(t, path)
	return dnsAddr, control, filepath.Join(dir, "storage")
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestNodeAddAndAdministrativeState: `node add` registers the node at a
// running hub and writes a node configuration the node's own reader
// accepts, its key (0600) and an nftables ruleset (checked by nft -c when
// root); `node disable` then changes what the hub tells the node when it
// asks with its key, and `node list` shows it.
func TestNodeAddAndAdministrativeState(t *testing.T) {
	hubDNS, control := startTestHub(t)
	out := filepath.Join(t.TempDir(), "node-bogota")
	args := []string{"node", "add", "node-bogota", "--control", control, "--city", "Bogotá", "--country", "CO", "--lat", "4.71", "--lon", "-74.07",
		"--unicast", "203.0.113.10,2001:db8:c5::10", "--asn", "64500", "--peer", "203.0.113.9,64506", "--operator", "192.0.2.0/24", "--out", out}
	stdout, code := runCaptured(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("node add exited %d", code)
	}
	var added nodeAddResult
	if err := json.Unmarshal([]byte(stdout), &added); err != nil || len(added.Files) != 3 || len(added.Nodes) != 1 ||
		added.Nodes[0].Site == nil || added.Nodes[0].Site.City != "Bogotá" || added.Nodes[0].State != "enabled" ||
		strings.Join(added.Nodes[0].Site.Unicast, " ") != "203.0.113.10:53 [2001:db8:c5::10]:53" || added.Nodes[0].Site.Metrics != "203.0.113.10:9153" {
		t.Errorf("node add --json: %v\n%s", err, stdout)
	}
	cfg, err := node.LoadConfig(filepath.Join(out, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NSID != "node-bogota" || len(cfg.Listen) != 4 || cfg.Announce == nil || len(cfg.Announce.Config.Peers) != 1 || len(cfg.Hubs) == 0 || cfg.Hubs[0].Key == nil {
		t.Errorf("node config %+v", cfg)
	}
	var announced []string
	for _, p := range cfg.Announce.Config.Prefixes {
		announced = append(announced, p.Prefix.String())
	}
	if strings.Join(announced, " ") != "198.51.100.0/24 2001:db8:53::/48" || len(cfg.Announce.Service) != 2 {
		t.Errorf("announces %v for service %v, want the /24 and /48 holding the service addresses", announced, cfg.Announce.Service)
	}
	if st, _ := os.Stat(filepath.Join(out, "node-bogota-xfr.key")); st == nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v", st)
	}
	checkRuleset(t, filepath.Join(out, "nftables.conf"))
	if code := run(context.Background(), args); code != 1 {
		t.Errorf("adding the same node twice exited %d, want 1", code)
	}
	args[len(args)-1] = filepath.Join(t.TempDir(), "again")
	if code := run(context.Background(), args); code != 1 {
		t.Errorf("registering the same node twice exited %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(args[len(args)-1], "node.yaml")); err == nil {
		t.Error("a refused registration left its files behind")
	}
	if _, err := node.LoadConfig(filepath.Join(out, "node.yaml")); err != nil {
		t.Errorf("the first node's files were damaged: %v", err)
	}

	if got := askState(t, hubDNS, cfg); got != "enabled" {
		t.Errorf("state before disable: %q", got)
	}
	if code := run(context.Background(), []string{"node", "disable", "node-bogota", "--control", control}); code != 0 {
		t.Fatalf("node disable exited %d", code)
	}
	if got := askState(t, hubDNS, cfg); got != "disabled" {
		t.Errorf("state after disable: %q", got)
	}
	if code := run(context.Background(), []string{"node", "drain", "node-nosuch", "--control", control}); code != 1 {
		t.Errorf("draining an unknown node exited %d, want 1", code)
	}
}

// askState asks the hub for the node's state as the node does.
func askState(t *testing.T, hubAddr string, cfg *node.Config) string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(adminstate.NodeStateName, dns.TypeTXT)
	key := cfg.Hubs[0].Key
	q.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
	c := &dns.Client{Timeout: time.Second, TsigSecret: map[string]string{key.Name: key.Secret}}
	m, _, err := c.Exchange(q, hubAddr)
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range m.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			return strings.Join(txt.Txt, "")
		}
	}
	return "rcode " + dns.RcodeToString[m.Rcode]
}

func checkRuleset(t *testing.T, path string) {
	t.Helper()
	text, _ := os.ReadFile(path)
	for _, want := range []string{"policy drop", "ip saddr { 203.0.113.9 } tcp dport 179 accept", "ip saddr { 192.0.2.0/24 } tcp dport { 22, 9153 }"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("ruleset lacks %q:\n%s", want, text)
		}
	}
	if !testenv.HasCommand(t, "nft") || !testenv.HasRoot(t, "nft -c opens a netlink socket") {
		return
	}
	if out, err := exec.Command("nft", "-c", "-f", path).CombinedOutput(); err != nil {
		t.Errorf("nft -c: %v\n%s", err, out)
	}
}
