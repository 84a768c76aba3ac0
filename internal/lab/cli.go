package lab

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// CLI implements `anycloud lab ...`. The zero value writes to stdout and
// stderr and runs routing only; Cloud is how `anycloud` runs its primaries,
// hub, nodes and monitor in the lab.
type CLI struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Log            *slog.Logger
	Cloud          Cloud
}

const usage = `usage: anycloud lab SUBCOMMAND [flags]
  anycloud lab up [--topology FILE] [--prefix P] [--forward ADDR]
                                                   build the lab and wait until every city is served
  anycloud lab status [--json] [--prefix P]        cities, nodes, who answers whom
  anycloud lab exec NAME -- CMD...                 run CMD in a lab host (city slug, node-<city>,
                                                   router-<city>, hub, hub2, hub3, noc, primary-<zone>)
  anycloud lab fail NODE stop-dns|kill|silent|drain
  anycloud lab heal NODE
  anycloud lab bump ZONE
  anycloud lab down [--prefix P]                   stop everything, remove every namespace
State lives in $ANYCLOUD_LAB_DIR (default /run/anycloud/lab)/<prefix>.

example:
  anycloud lab up && anycloud lab status && anycloud lab exec santiago -- dig @198.51.100.53 sv. SOA +nsid`

// Main runs `anycloud lab` with args (the words after "lab").
func Main(ctx context.Context, args []string) error {
	return (&CLI{}).Run(ctx, args)
}

// Run dispatches one subcommand.
func (c *CLI) Run(ctx context.Context, args []string) error {
	c.defaults()
	if len(args) == 0 {
		fmt.Fprintln(c.Stderr, usage)
		return errors.New("lab: missing subcommand")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(c.Stderr, usage)
		return flag.ErrHelp
	}
	cmds := map[string]func(context.Context, []string) error{
		"up": c.up, "status": c.status, "exec": c.exec, "down": c.down, "relay": c.relay,
		"fail": c.fail, "heal": c.heal, "bump": c.bump, "forward": c.forward,
		"webhook": c.webhook,
	}
	run, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintln(c.Stderr, usage)
		return fmt.Errorf("lab: unknown subcommand %q", args[0])
	}
	return run(ctx, args[1:])
}

func (c *CLI) defaults() {
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Stdin == nil {
		c.Stdin = os.Stdin
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(c.Stderr, nil))
	}
}

// subcommandHelp is what `anycloud lab SUB --help` prints besides the
// flags, in the form every other anycloud command prints its help (usage
// line, flags, example): the man pages and shell completions are generated
// from that text. The hidden subcommands the lab starts itself (relay,
// forward, webhook) have none.
var subcommandHelp = map[string]struct{ synopsis, example string }{
	"up":     {"[--topology FILE] [--prefix P] [--forward ADDR]", "anycloud lab up --forward 127.0.0.1:8053"},
	"status": {"[--json] [--prefix P]", "anycloud lab status --json"},
	"exec":   {"[--prefix P] NAME -- CMD...", "anycloud lab exec santiago -- dig @198.51.100.53 sv. SOA +nsid"},
	"fail":   {"[--prefix P] NODE MODE", "anycloud lab fail node-sao-paulo kill"},
	"heal":   {"[--prefix P] NODE", "anycloud lab heal node-sao-paulo"},
	"bump":   {"[--prefix P] ZONE", "anycloud lab bump sv"},
	"down":   {"[--prefix P]", "anycloud lab down"},
}

func (c *CLI) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("lab "+name, flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	if h, ok := subcommandHelp[name]; ok {
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "usage: anycloud lab %s %s\n\nflags:\n", name, h.synopsis)
			fs.PrintDefaults()
			fmt.Fprintf(fs.Output(), "\nexample:\n  %s\n", h.example)
		}
	}
	prefix := fs.String("prefix", Default().Prefix, "namespace name prefix of the lab")
	return fs, prefix
}

func (c *CLI) up(ctx context.Context, args []string) error {
	fs, prefix := c.flags("up")
	topoFile := fs.String("topology", "", "YAML topology file (default: the built-in one)")
	forward := fs.String("forward", "127.0.0.1:8053", "host loopback address forwarded to the dashboard (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	topo := Default()
	if *topoFile != "" {
		var err error
		if topo, err = LoadTopology(*topoFile); err != nil {
			return err
		}
	}
	if isSet(fs, "prefix") || topo.Prefix == "" {
		topo.Prefix = *prefix
	}
	opts := Options{Log: c.Log, Cloud: c.Cloud}
	if c.Cloud != nil {
		opts.Forward = *forward
	}
	st, err := Up(ctx, topo, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "lab up: %d namespaces, %d processes; state in %s\n", len(st.Namespaces), len(st.Processes), st.Dir)
	if opts.Forward != "" {
		fmt.Fprintf(c.Stdout, "dashboard: http://%s/\n", opts.Forward)
	}
	return nil
}

func (c *CLI) status(ctx context.Context, args []string) error {
	fs, prefix := c.flags("status")
	asJSON := fs.Bool("json", false, "machine-readable output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := GetStatus(ctx, StateDir(*prefix), time.Second, c.Cloud)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return s.WriteText(c.Stdout)
}

// exec: lab exec [--prefix P] NAME [--] CMD...
func (c *CLI) exec(ctx context.Context, args []string) error {
	fs, prefix := c.flags("exec")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 {
		return errors.New("usage: anycloud lab exec NAME -- CMD...")
	}
	name, argv := rest[0], rest[1:]
	if argv[0] == "--" {
		argv = argv[1:]
	}
	return Exec(ctx, StateDir(*prefix), name, argv, c.Stdin, c.Stdout, c.Stderr)
}

func (c *CLI) down(ctx context.Context, args []string) error {
	fs, prefix := c.flags("down")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return Down(ctx, StateDir(*prefix), c.Log)
}

// relay is the hidden subcommand Up starts inside the relay namespace.
func (c *CLI) relay(ctx context.Context, args []string) error {
	var pairs []RelayPair
	for _, a := range args {
		p, err := ParseRelayPair(a)
		if err != nil {
			return err
		}
		pairs = append(pairs, p)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return RunRelay(ctx, pairs, c.Log)
}

// fail: lab fail [--prefix P] NODE MODE
func (c *CLI) fail(ctx context.Context, args []string) error {
	fs, prefix := c.flags("fail")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("usage: anycloud lab fail NODE %s", strings.Join(FailModes, "|"))
	}
	// Every fault ends in a withdrawal; `lab fail` says when the router
	// saw it.
	var wait func(time.Time) (time.Duration, bool)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if slices.Contains(FailModes, fs.Arg(1)) {
		w, err := WatchWithdrawal(wctx, StateDir(*prefix), fs.Arg(0))
		if err != nil {
			return err
		}
		wait = w
	}
	at := time.Now()
	if err := Fail(ctx, StateDir(*prefix), fs.Arg(0), fs.Arg(1), c.Cloud); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: %s (undo with `anycloud lab heal %s`)\n", fs.Arg(0), fs.Arg(1), fs.Arg(0))
	if wait != nil {
		if d, ok := wait(at); ok {
			fmt.Fprintf(c.Stdout, "%s: its router dropped its route %v after the fault\n", fs.Arg(0), d.Round(time.Millisecond))
		} else {
			fmt.Fprintf(c.Stdout, "%s: its router still holds its route %v after the fault\n", fs.Arg(0), withdrawalLimit)
		}
	}
	return nil
}

// heal: lab heal [--prefix P] NODE
func (c *CLI) heal(ctx context.Context, args []string) error {
	fs, prefix := c.flags("heal")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: anycloud lab heal NODE")
	}
	if err := Heal(ctx, StateDir(*prefix), fs.Arg(0), c.Cloud); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: healed\n", fs.Arg(0))
	return nil
}

// bump: lab bump [--prefix P] ZONE
func (c *CLI) bump(ctx context.Context, args []string) error {
	fs, prefix := c.flags("bump")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: anycloud lab bump ZONE")
	}
	if err := Bump(ctx, StateDir(*prefix), fs.Arg(0), c.Cloud); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: new serial committed at its primary, NOTIFY sent\n", fs.Arg(0))
	return nil
}

// forward is the hidden subcommand Up starts in the host namespace:
// lab forward LISTEN NAMESPACE TARGET.
func (c *CLI) forward(ctx context.Context, args []string) error {
	if len(args) != 3 {
		return errors.New("usage: anycloud lab forward LISTEN NAMESPACE TARGET")
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return RunForwarder(ctx, args[0], args[1], args[2], c.Log)
}

// webhook runs the lab's webhook receiver (in the noc's namespace).
func (c *CLI) webhook(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("lab webhook", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	listen := fs.String("listen", "127.0.0.1:9099", "loopback address:port")
	out := fs.String("out", "", "file each POST is appended to, one JSON line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("usage: anycloud lab webhook --listen ADDR --out FILE")
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return RunWebhook(ctx, *listen, *out)
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
