package lab

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/announce"
)

// The lab test stands in for `anycloud node`, which other work provides:
// the test binary re-runs itself inside a node namespace (a Go process
// cannot move its goroutines between namespaces) as a real announcer from
// package announce plus a tiny DNS responder that says which node it is.
// It is a stand-in for the DNS engine only; routing is all real.

const (
	roleEnv = "ANYCLOUD_LAB_TEST_ROLE"
	specEnv = "ANYCLOUD_LAB_TEST_SPEC"
)

type standInSpec struct {
	Name     string
	FailFile string
	Service  []netip.Addr
	Announce announce.Config
}

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "relay":
		exitOn(Main(context.Background(), append([]string{"relay"}, os.Args[1:]...)))
	case "node":
		exitOn(runStandInNode(os.Getenv(specEnv)))
	}
	os.Exit(m.Run())
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// standIn is the Options.Cloud of the test: nodes only.
type standIn struct{}

func (standIn) HostCommands(plan *Plan, h Host, dir string) ([]Command, error) {
	if h.Role != RoleNode {
		return nil, nil
	}
	c, err := standInCommand(plan, h, dir)
	return []Command{c}, err
}

func (standIn) NodeCommand(*Plan, Host, string, string) (Command, error) {
	return Command{}, errors.New("the stand-in node has no control endpoint")
}

func (standIn) NodeStatusURL(*Plan, Host) string { return "" }

func (standIn) BumpCommands(*Plan, Host, string) ([]Command, error) {
	return nil, errors.New("the stand-in lab has no primaries")
}

func (standIn) Dashboard(*Plan) (string, string) { return "", "" }

func standInCommand(plan *Plan, h Host, dir string) (Command, error) {
	acc, _ := plan.AccessFor(h.Name)
	topo := plan.Topology
	spec := standInSpec{Name: h.Name, FailFile: filepath.Join(dir, "fail"), Service: topo.Service}
	spec.Announce = announce.Config{
		LocalAS:  topo.CloudAS,
		RouterID: acc.Host4.Addr(),
		Peers: []announce.Peer{
			{Address: acc.Router4.Addr(), AS: cityAS(topo, h.City)},
			{Address: acc.Router6.Addr(), AS: cityAS(topo, h.City)},
		},
		DrainWait: time.Second, GracefulWait: time.Second,
	}
	for _, p := range topo.Announce {
		spec.Announce.Prefixes = append(spec.Announce.Prefixes, announce.Prefix{Prefix: p})
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return Command{}, err
	}
	file := filepath.Join(dir, "standin.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return Command{}, err
	}
	exe, err := os.Executable()
	return Command{Name: "standin", Argv: []string{exe}, Env: []string{roleEnv + "=node", specEnv + "=" + file}}, err
}

func cityAS(t *Topology, slug string) uint32 {
	c, _ := t.City(slug)
	return c.AS
}

func runStandInNode(specFile string) error {
	data, err := os.ReadFile(specFile)
	if err != nil {
		return err
	}
	var spec standInSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("node", spec.Name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	servers, err := serveIdentity(spec.Name, spec.Service)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range servers {
			s.Shutdown()
		}
	}()
	check := announce.FuncCheck("fail-file", func(context.Context) error {
		if _, err := os.Stat(spec.FailFile); err == nil {
			return errors.New("failed on purpose")
		}
		return nil
	})
	a, err := announce.New(spec.Announce, []announce.Check{check}, log)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// serveIdentity answers every query on the service addresses with the
// node's name in NSID and, for id.server. CH TXT, in the answer.
func serveIdentity(name string, addrs []netip.Addr) ([]*dns.Server, error) {
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(q)
		r.Authoritative = true
		if len(q.Question) == 1 && q.Question[0].Qclass == dns.ClassCHAOS {
			r.Answer = append(r.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassCHAOS}, Txt: []string{name}})
		}
		if opt := q.IsEdns0(); opt != nil {
			r.SetEdns0(1232, false)
			r.IsEdns0().Option = append(r.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID, Nsid: hex.EncodeToString([]byte(name))})
		}
		w.WriteMsg(r)
	})
	var servers []*dns.Server
	for _, a := range addrs {
		for _, network := range []string{"udp", "tcp"} {
			addr := net.JoinHostPort(a.String(), "53")
			s := &dns.Server{Addr: addr, Net: network, Handler: h}
			started := make(chan error, 1)
			s.NotifyStartedFunc = func() { started <- nil }
			go func() { started <- s.ListenAndServe() }()
			if err := <-started; err != nil {
				return servers, fmt.Errorf("%s %s: %w", network, addr, err)
			}
			servers = append(servers, s)
		}
	}
	return servers, nil
}
