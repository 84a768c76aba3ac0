package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Command is a process to run inside a lab host.
type Command struct {
	Name string // short, unique in its host: "knotd", "hub", "monitor"
	Argv []string
	Env  []string
	// AfterServed starts the command only once every city is served
	// (observers such as the monitor and the probes).
	AfterServed bool
	// Wait runs the command to completion (bounded by the lab's wait
	// timeout) and fails `lab up` when it fails: one-shot set-up such as
	// onboarding the sample clients through the CLI.
	Wait bool
}

// Options tune Up.
type Options struct {
	// StateDir defaults to StateDir(topology prefix).
	StateDir string
	// RelayCommand is the argv prefix that runs the delay relay; the relay
	// pairs are appended. Default: this executable with "lab relay", which
	// cli.Main handles.
	RelayCommand []string
	RelayEnv     []string
	// Cloud, if set, starts the DNS side in the node, hub, primary and
	// client hosts, and Up then waits until every city is served.
	Cloud Cloud
	// Forward is the host-namespace address (e.g. 127.0.0.1:8053) the lab
	// forwards to the Cloud's dashboard; "" for none.
	Forward string
	// ForwardCommand is the argv prefix that runs the forwarder (default:
	// this executable with "lab forward").
	ForwardCommand []string
	// WaitTimeout bounds each wait: BGP sessions, announcements, answers
	// (default 60 s).
	WaitTimeout time.Duration
	Log         *slog.Logger
}

// ErrAlreadyUp is returned when the state directory holds a running lab.
var ErrAlreadyUp = errors.New("lab is already up (run `anycloud lab down` first)")

// Up builds the lab and waits until every router session is established
// and, when nodes were started, every router has a route to the service.
// On failure it takes down whatever it had built.
func Up(ctx context.Context, topo *Topology, opts Options) (*State, error) {
	opts = opts.withDefaults(topo)
	plan, err := NewPlan(topo)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(opts.StateDir, stateFile)); err == nil {
		return nil, fmt.Errorf("%s: %w", opts.StateDir, ErrAlreadyUp)
	}
	if err := forwardAvailable(opts.Forward); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating lab state dir: %w", err)
	}
	st := &State{Dir: opts.StateDir, Prefix: topo.Prefix, Started: time.Now().UTC(), Plan: plan}
	if err := st.save(); err != nil {
		return nil, err
	}
	b := &builder{st: st, plan: plan, opts: opts, log: opts.Log}
	if err := b.build(ctx); err != nil {
		if derr := Down(context.Background(), opts.StateDir, opts.Log); derr != nil {
			err = errors.Join(err, fmt.Errorf("cleaning up: %w", derr))
		}
		return nil, err
	}
	return st, nil
}

func (o Options) withDefaults(topo *Topology) Options {
	if o.StateDir == "" {
		o.StateDir = StateDir(topo.Prefix)
	}
	if o.WaitTimeout == 0 {
		o.WaitTimeout = 60 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	exe, _ := os.Executable()
	if len(o.RelayCommand) == 0 {
		o.RelayCommand = []string{exe, "lab", "relay"}
	}
	if len(o.ForwardCommand) == 0 {
		o.ForwardCommand = []string{exe, "lab", "forward"}
	}
	return o
}

type builder struct {
	st           *State
	plan         *Plan
	opts         Options
	log          *slog.Logger
	nodesStarted bool
	later        []hostCommand // AfterServed commands
}

func (b *builder) build(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"namespaces", b.namespaces},
		{"router links", b.routerLinks},
		{"access links", b.accessLinks},
		{"routers", b.startRouters},
		{"relay", b.startRelay},
		{"router sessions", b.waitRouterSessions},
		{"hosts", b.startHosts},
		{"announcements", b.waitAnnouncements},
		{"answers", b.waitServed},
		// Observers (monitor, probes) start once every city is served, so
		// that start-up is not recorded as incidents.
		{"observers", b.startLater},
		{"dashboard forwarder", b.startForwarder},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("lab up: %s: %w", s.name, err)
		}
		b.log.Info("lab up", "step", s.name, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func (b *builder) namespaces(ctx context.Context) error {
	for _, h := range b.plan.Hosts {
		if namespaceExists(h.Namespace) {
			return fmt.Errorf("namespace %s already exists (another lab with prefix %q?)", h.Namespace, b.plan.Topology.Prefix)
		}
		if err := createNamespace(ctx, h.Namespace, h.Role); err != nil {
			return err
		}
		if err := b.st.addNamespace(h.Namespace); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) ns(name string) string {
	h, _ := b.plan.Host(name)
	return h.Namespace
}

func (b *builder) routerLinks(ctx context.Context) error {
	relay := b.ns("relay")
	for _, l := range b.plan.RouterLinks {
		nsA, nsB := b.ns("router-"+l.A), b.ns("router-"+l.B)
		if err := b.wire(ctx, l, nsA, nsB, relay); err != nil {
			return err
		}
		if err := addrUp(ctx, nsA, l.IfA, l.A4.String(), l.A6.String()); err != nil {
			return err
		}
		if err := addrUp(ctx, nsB, l.IfB, l.B4.String(), l.B6.String()); err != nil {
			return err
		}
	}
	return nil
}

// wire connects two routers directly, or through the relay when the link
// has a delay.
func (b *builder) wire(ctx context.Context, l RouterLink, nsA, nsB, relay string) error {
	if l.Delay <= 0 {
		return veth(ctx, nsA, l.IfA, nsB, l.IfB)
	}
	if err := veth(ctx, nsA, l.IfA, relay, l.RelayA); err != nil {
		return err
	}
	if err := veth(ctx, nsB, l.IfB, relay, l.RelayB); err != nil {
		return err
	}
	for _, ifname := range []string{l.RelayA, l.RelayB} {
		if err := ip(ctx, "-n", relay, "link", "set", ifname, "promisc", "on", "up"); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) accessLinks(ctx context.Context) error {
	for i, c := range b.plan.Topology.Cities {
		if err := ip(ctx, "-n", b.ns("router-"+c.Slug), "addr", "add", routerID(i).String()+"/32", "dev", "lo"); err != nil {
			return err
		}
	}
	for _, a := range b.plan.Access {
		if err := b.access(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) access(ctx context.Context, a Access) error {
	rns, hns := b.ns("router-"+a.City), b.ns(a.Host)
	if err := veth(ctx, rns, a.RouterIf, hns, a.HostIf); err != nil {
		return err
	}
	if err := addrUp(ctx, rns, a.RouterIf, a.Router4.String(), a.Router6.String()); err != nil {
		return err
	}
	if err := addrUp(ctx, hns, a.HostIf, a.Host4.String(), a.Host6.String()); err != nil {
		return err
	}
	if err := ip(ctx, "-n", hns, "route", "add", "default", "via", a.Router4.Addr().String()); err != nil {
		return err
	}
	if err := ip(ctx, "-n", hns, "-6", "route", "add", "default", "via", a.Router6.Addr().String()); err != nil {
		return err
	}
	if !a.BGP {
		return nil
	}
	for _, s := range b.plan.Topology.Service {
		if err := ip(ctx, "-n", hns, "addr", "add", fmt.Sprintf("%s/%d", s, s.BitLen()), "dev", "lo"); err != nil {
			return err
		}
	}
	return nil
}

// hostDir is a host's private directory under the state directory.
func (b *builder) hostDir(name string) (string, error) {
	dir := filepath.Join(b.st.Dir, name)
	return dir, os.MkdirAll(dir, 0o755)
}

func (b *builder) startRouters(ctx context.Context) error {
	for _, c := range b.plan.Topology.Cities {
		name := "router-" + c.Slug
		dir, err := b.hostDir(name)
		if err != nil {
			return err
		}
		conf, err := b.plan.RouterConfig(c.Slug, dir)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "bird.conf"), []byte(conf), 0o644); err != nil {
			return err
		}
		argv := []string{"bird", "-f", "-c", filepath.Join(dir, "bird.conf"), "-s", birdSocket(dir), "-P", filepath.Join(dir, "bird.pid")}
		if err := b.st.startProcess("bird "+name, name, b.ns(name), argv, nil, filepath.Join(dir, "bird.out")); err != nil {
			return err
		}
	}
	return nil
}

func birdSocket(dir string) string { return filepath.Join(dir, "bird.ctl") }

func (b *builder) startRelay(context.Context) error {
	var pairs []string
	for _, l := range b.plan.RouterLinks {
		if l.Delay > 0 {
			pairs = append(pairs, RelayPair{A: l.RelayA, B: l.RelayB, Delay: l.Delay}.String())
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	dir, err := b.hostDir("relay")
	if err != nil {
		return err
	}
	argv := append(append([]string{}, b.opts.RelayCommand...), pairs...)
	return b.st.startProcess("delay relay", "relay", b.ns("relay"), argv, b.opts.RelayEnv, filepath.Join(dir, "relay.log"))
}

// startHosts starts the Cloud's commands in every node, hub, primary and
// client host, keeping those marked AfterServed for startLater.
func (b *builder) startHosts(context.Context) error {
	if b.opts.Cloud == nil {
		return nil
	}
	for _, h := range b.plan.Hosts {
		if h.Role == RoleRouter || h.Role == RoleRelay {
			continue
		}
		dir, err := b.hostDir(h.Name)
		if err != nil {
			return err
		}
		cmds, err := b.opts.Cloud.HostCommands(b.plan, h, dir)
		if err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		for _, cmd := range cmds {
			if cmd.AfterServed {
				b.later = append(b.later, hostCommand{h, dir, cmd})
				continue
			}
			b.nodesStarted = b.nodesStarted || h.Role == RoleNode
			if err := b.start(h, dir, cmd); err != nil {
				return err
			}
		}
	}
	return nil
}

type hostCommand struct {
	host Host
	dir  string
	cmd  Command
}

// startLater starts the commands that wait until every city is served.
func (b *builder) startLater(context.Context) error {
	for _, hc := range b.later {
		if err := b.start(hc.host, hc.dir, hc.cmd); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) start(h Host, dir string, cmd Command) error {
	log := filepath.Join(dir, cmd.Name+".log")
	if cmd.Wait {
		return runToCompletion(h, cmd, log, b.opts.WaitTimeout)
	}
	return b.st.startProcess(cmd.Name+" "+h.Name, h.Name, h.Namespace, cmd.Argv, cmd.Env, log)
}
