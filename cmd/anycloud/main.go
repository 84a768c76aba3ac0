// Command anycloud runs a shared anycast authoritative DNS cloud: one binary,
// one subcommand per role (serve, hub, node, lab, ...). This package only
// parses command lines and dispatches; every role lives under internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"syscall"
)

// command is one subcommand. Each lives in its own file and registers itself
// from init, so adding a role never touches this file.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile()
	code := run(ctx, os.Args[1:])
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of this process to
// $ANYCLOUD_CPUPROFILE.<pid> when that variable is set: how developers see
// where a hub or node spends its time inside a whole-system test.
func startProfile() (stop func()) {
	base := os.Getenv("ANYCLOUD_CPUPROFILE")
	if base == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", base, os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "anycloud: cpu profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "anycloud: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
	tuneGC(c.name)
	err := c.run(ctx, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(os.Stderr, "anycloud %s: %v\n", c.name, err)
		return 1
	}
}

// tuneGC makes the long-running roles that hold whole zones as transferred
// records (hub, node) collect garbage more often than Go's default, unless
// GOGC says otherwise: at a million delegations it keeps a node's peak below
// Knot DNS's (about 800 MiB against 860) for a little more CPU during
// transfers. The query path allocates nothing, so answering is unaffected.
func tuneGC(name string) {
	if (name == "hub" || name == "node") && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// errUsage reports a command line that could not be parsed; the flag package
// has already printed why.
var errUsage = errors.New("usage")

func usage() {
	fmt.Fprintln(os.Stderr, "usage: anycloud COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'anycloud COMMAND --help' for a command's flags and an example.")
}

// newFlagSet returns a flag set whose parse errors come back as errUsage, with
// a usage text that ends in an example, as every subcommand's --help must.
func newFlagSet(name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("anycloud "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: anycloud %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nexample:\n  %s\n", example)
	}
	return fs
}

// parseFlags parses args and maps flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if parseOnly && fs.NArg() == 0 {
		return errParsedOnly
	}
	return nil
}

// parseOnly (set by tests) stops a command with errParsedOnly once its
// command line is parsed to the end, before it does anything: how the docs
// tests check every documented command line against the real flag sets.
var (
	parseOnly     bool
	errParsedOnly = errors.New("command line parsed (parse-only mode)")
)
