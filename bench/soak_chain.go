package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"anycloud/internal/peerconf"
	"anycloud/internal/testpeer"
)

// The soak benchmark (--soak DURATION) runs the whole distribution chain on
// loopback: a real Knot DNS primary of the generated zone, `anycloud hub`
// pulling from it with TSIG, and `anycloud node` following the hub's
// catalog. It first measures the node's maximum query rate with dnsperf
// (--duration, the primary quiet), then sends --soak-load of that rate for
// DURATION while the primary changes the zone every --soak-change (Knot
// increments the serial and sends NOTIFY). It checks:
//   - no error: dnsperf loses no query and sees no rcode other than
//     NOERROR/NXDOMAIN; the node and hub log no ERROR;
//   - no lost update: every serial Knot committed is seen at the node (its
//     SOA is polled every 50 ms), and the last one is served at the end
//     with the data of the last change;
//   - flat memory: the RSS of the node (and hub) is sampled every 10 s.

// soakChain is the running chain.
type soakChain struct {
	dir                         string
	knot, hub, node             *serverProc
	knotPort, hubPort, nodePort int
	origin                      string
}

func runSoak(ctx context.Context, log *slog.Logger, o *options) error {
	if _, err := exec.LookPath("knotd"); err != nil {
		return fmt.Errorf("--soak needs knotd and knotc: %w", err)
	}
	if _, err := exec.LookPath("dnsperf"); err != nil {
		return fmt.Errorf("--soak needs dnsperf: %w", err)
	}
	zs, err := prepareZones(ctx, log, o.workDir, o.shape(), o.queryLines)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "anycloud-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.anycloudBin == "" {
		if o.anycloudBin, err = buildAnycloud(ctx, dir); err != nil {
			return err
		}
	}
	ch, err := startChain(ctx, log, o, dir, zs)
	if ch != nil {
		defer ch.stop()
	}
	if err != nil {
		return err
	}
	f := &soakFigures{Duration: o.soak, Delegations: o.delegations, ChangeEvery: o.soakChange,
		RSS: map[string][]int64{}, LogErrors: map[string]int{}, SharedMachine: loadAverage()}

	log.Info("soak: measuring the node's maximum rate", "duration", o.duration)
	max, err := runDnsperf(ctx, o.load(ch.nodePort, zs.Queries, false), dir)
	if err != nil {
		return err
	}
	f.MaxQPS = max.QPS
	f.Rate = int(max.QPS * o.soakLoad)
	log.Info("soak: maximum measured", "qps", int(max.QPS), "soak_rate", f.Rate, "lost", max.Lost)

	if err := ch.soak(ctx, log, o, zs, f); err != nil {
		return err
	}
	for name, p := range map[string]*serverProc{"node": ch.node, "hub": ch.hub} {
		f.LogErrors[name] = countLogErrors(p.logPath)
		if o.soakReport != "" {
			if b, err := os.ReadFile(p.logPath); err == nil {
				os.WriteFile(ch.keepPath(o, name+".log"), b, 0o644)
			}
		}
	}
	report := f.report()
	fmt.Print(report)
	if o.soakReport != "" {
		if err := os.WriteFile(o.soakReport, []byte(report), 0o644); err != nil {
			return err
		}
	}
	if problems := f.problems(); len(problems) > 0 {
		return fmt.Errorf("soak failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

func startChain(ctx context.Context, log *slog.Logger, o *options, dir string, zs *zoneSet) (*soakChain, error) {
	ch := &soakChain{dir: dir, origin: o.origin}
	for _, p := range []*int{&ch.knotPort, &ch.hubPort, &ch.nodePort} {
		port, err := testpeer.PickFreePort()
		if err != nil {
			return nil, err
		}
		*p = port
	}
	ctlPorts := make([]int, 2)
	for i := range ctlPorts {
		port, err := testpeer.PickFreePort()
		if err != nil {
			return nil, err
		}
		ctlPorts[i] = port
	}
	clientKey, err := soakKey(dir, "client.key")
	if err != nil {
		return nil, err
	}
	nodeKey, err := soakKey(dir, "node.key")
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"knot", "hub", "node"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	secret, _ := os.ReadFile(clientKey)
	knotDir := filepath.Join(dir, "knot")
	zoneFile := filepath.Join(knotDir, "zone.db")
	if err := copyWithoutDNSKEY(zs.Unsigned, zoneFile); err != nil {
		return nil, err
	}
	conf := soakKnotConf(knotDir, ch.knotPort, strings.TrimSpace(string(secret)), ch.hubPort, o.origin, zoneFile)
	if err := os.WriteFile(filepath.Join(knotDir, "knot.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	hubConf := fmt.Sprintf(soakHubConf, ch.hubPort, ctlPorts[0], filepath.Join(dir, "hub", "storage"), o.origin, ch.knotPort, clientKey, ch.nodePort, nodeKey)
	if err := os.WriteFile(filepath.Join(dir, "hub", "hub.yaml"), []byte(hubConf), 0o644); err != nil {
		return nil, err
	}
	nodeConf := fmt.Sprintf(soakNodeConf, ch.nodePort, filepath.Join(dir, "node", "storage"), ch.hubPort, nodeKey, ctlPorts[1])
	if err := os.WriteFile(filepath.Join(dir, "node", "node.yaml"), []byte(nodeConf), 0o644); err != nil {
		return nil, err
	}
	// The node has the server core to itself, as in the comparison with
	// NSD and Knot; the primary and the hub share the client's.
	if ch.knot, err = startServer([]string{"knotd", "-c", filepath.Join(knotDir, "knot.conf")}, o.clientCPU, knotDir); err != nil {
		return ch, err
	}
	if _, err := waitReady(ctx, ch.knot, o.origin, ch.knotPort, o.startTimeout); err != nil {
		return ch, fmt.Errorf("knot: %w", err)
	}
	if ch.hub, err = startServer([]string{o.anycloudBin, "hub", "--config", filepath.Join(dir, "hub", "hub.yaml")}, o.clientCPU, filepath.Join(dir, "hub")); err != nil {
		return ch, err
	}
	if ch.node, err = startServer([]string{o.anycloudBin, "node", "--config", filepath.Join(dir, "node", "node.yaml")}, o.serverCPU, filepath.Join(dir, "node")); err != nil {
		return ch, err
	}
	took, err := waitReady(ctx, ch.node, o.origin, ch.nodePort, min(o.startTimeout, 2*time.Minute))
	if err != nil {
		return ch, fmt.Errorf("node: %w (hub log:\n%s)", err, ch.hub.logTail())
	}
	log.Info("soak: chain up, the node serves the zone", "after", took.Round(time.Millisecond))
	return ch, nil
}

// keepPath is where a file of the run is kept for diagnosis: beside the
// --soak-report file, else in the run's temporary directory.
func (ch *soakChain) keepPath(o *options, name string) string {
	if o.soakReport != "" {
		return strings.TrimSuffix(o.soakReport, filepath.Ext(o.soakReport)) + "-" + name
	}
	return filepath.Join(ch.dir, name)
}

// soakDnsperf runs the soak's dnsperf with one statistics line a second
// (-S 1), so that a dip can be placed in time, and keeps its output at out.
func soakDnsperf(ctx context.Context, l perfLoad, out string) (perfResult, error) {
	f, err := os.Create(out)
	if err != nil {
		return perfResult{}, err
	}
	defer f.Close()
	return dnsperfTo(ctx, l, f, "-S", "1")
}

func (ch *soakChain) stop() {
	for _, p := range []*serverProc{ch.node, ch.hub, ch.knot} {
		if p != nil {
			_ = p.stop(5 * time.Second)
		}
	}
}

func soakKey(dir, name string) (string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600)
}

// copyWithoutDNSKEY copies the unsigned zone without its DNSKEY records:
// the hub's gate rightly refuses a zone with DNSKEY and no signatures.
func copyWithoutDNSKEY(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(line, "DNSKEY") {
			out.WriteString(line)
		}
	}
	return os.WriteFile(to, []byte(out.String()), 0o644)
}

// soakKnotConf is the primary's knot.conf: the zone with a journal (Knot
// increments the serial and sends NOTIFY to the hub with the client's key),
// transfers from loopback with that key, warnings only on stderr.
func soakKnotConf(dir string, port int, secret string, hubPort int, origin, zoneFile string) string {
	return peerconf.KnotConfig(peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: origin, File: zoneFile,
			Notify: []string{fmt.Sprintf("127.0.0.1:%d", hubPort)}, NotifyKey: "soak-client."}},
		Keys:    []peerconf.TSIGKey{{Name: "soak-client.", Algorithm: "hmac-sha256", Secret: secret}},
		ACLs:    []peerconf.ACL{{Address: "127.0.0.1", Key: "soak-client.", Transfer: true}},
		Journal: true, JournalMaxUsage: "64M", LogLevel: "warning", Port: port,
	}, dir)
}

// soakHubConf: hub port, control port, storage, origin, knot port, client
// key, node port, node key.
const soakHubConf = `listen: ["127.0.0.1:%[1]d"]
control: 127.0.0.1:%[2]d
storage: %[3]s
catalog: catalog.anycloud.
timeouts: {transfer: 10s, min-refresh: 2s}
clients:
  - name: soak
    zones: [%[4]s]
    primaries: ["127.0.0.1:%[5]d"]
    tsig: {name: soak-client., algorithm: hmac-sha256, secret-file: %[6]s}
nodes:
  - name: soak-node
    address: "127.0.0.1:%[7]d"
    tsig: {name: soak-node., algorithm: hmac-sha256, secret-file: %[8]s}
`

// soakNodeConf: node port, storage, hub port, node key, control port. RRL
// is off: dnsperf is one source.
const soakNodeConf = `listen: ["127.0.0.1:%[1]d"]
nsid: soak-node
storage: %[2]s
catalog: catalog.anycloud.
hub:
  addresses: ["127.0.0.1:%[3]d"]
  tsig: {name: soak-node., algorithm: hmac-sha256, secret-file: %[4]s}
timeouts: {transfer: 10s, min-refresh: 1s}
control: 127.0.0.1:%[5]d
rrl: {enabled: false}
`
