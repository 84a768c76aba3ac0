package lab

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSubcommandHelp: every subcommand `anycloud lab --help` lists answers
// --help as every other anycloud command does (a usage line, its flags, an
// example), which is what its man page and completion are generated from;
// and each example names a host or zone the built-in lab has.
func TestSubcommandHelp(t *testing.T) {
	listed := regexp.MustCompile(`(?m)^  anycloud lab ([a-z-]+)`).FindAllStringSubmatch(usage, -1)
	if len(listed) < 7 {
		t.Fatalf("lab usage lists %d subcommands: %q", len(listed), listed)
	}
	plan, err := NewPlan(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range listed {
		sub := m[1]
		var stderr bytes.Buffer
		err := (&CLI{Stdout: &stderr, Stderr: &stderr}).Run(context.Background(), []string{sub, "--help"})
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("lab %s --help: %v, want flag.ErrHelp", sub, err)
		}
		help := stderr.String()
		if !strings.HasPrefix(help, "usage: anycloud lab "+sub+" ") {
			t.Errorf("lab %s --help does not start with its usage line:\n%s", sub, help)
		}
		if !strings.Contains(help, "\nflags:\n") || !strings.Contains(help, "\n  -prefix string\n") {
			t.Errorf("lab %s --help lists no flags:\n%s", sub, help)
		}
		_, example, ok := strings.Cut(help, "\nexample:\n  anycloud lab "+sub)
		if !ok {
			t.Errorf("lab %s --help shows no example:\n%s", sub, help)
			continue
		}
		// The host (or zone) the example acts on exists in the lab.
		args := strings.Fields(example)
		var host string
		switch sub {
		case "exec", "fail", "heal":
			host = args[0]
		case "bump":
			host = "primary-" + strings.TrimSuffix(args[0], ".")
		}
		if _, ok := plan.Host(host); host != "" && !ok {
			t.Errorf("lab %s example acts on %q, which the built-in lab does not have", sub, args[0])
		}
	}
	for sub := range subcommandHelp {
		if !strings.Contains(usage, "\n  anycloud lab "+sub+" ") {
			t.Errorf("subcommandHelp has %q, which `anycloud lab --help` does not list", sub)
		}
	}
}

// TestAnycastDocNamesLabHosts: every lab host docs/anycast.md names
// (node-CITY, router-CITY, primary-ZONE) is one the built-in lab has, so its
// examples work as written.
func TestAnycastDocNamesLabHosts(t *testing.T) {
	text, err := os.ReadFile("../../docs/anycast.md")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(Default())
	if err != nil {
		t.Fatal(err)
	}
	// A name followed by a file extension (node-bird.yaml) is a file.
	names := regexp.MustCompile(`\b(?:node|router|primary)-[a-z0-9-]*[a-z0-9](?:\.[a-z]+\b)?`).FindAllString(string(text), -1)
	checked := 0
	for _, name := range names {
		if strings.Contains(name, ".") || name == "router-id" {
			continue
		}
		checked++
		if _, ok := plan.Host(name); !ok {
			t.Errorf("docs/anycast.md names %s, which the built-in lab does not have", name)
		}
	}
	if checked < 5 {
		t.Errorf("docs/anycast.md names %d lab hosts, want the nodes, a router and the primaries", checked)
	}
}
