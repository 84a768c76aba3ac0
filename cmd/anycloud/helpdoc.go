package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"sort"
	"strings"
)

// helpPage is one subcommand's --help output taken apart. Man pages and
// shell completions are generated from it, so they say exactly what users
// see in --help and a new subcommand gets both without further work.
type helpPage struct {
	name     string
	summary  string
	synopsis string    // what follows "usage: anycloud NAME "
	flags    []flagDoc // in the order --help lists them
	example  string    // the lines under "example:", unindented
	raw      string    // the whole output, for help not written by newFlagSet
}

// flagDoc is one flag as flag.PrintDefaults prints it.
type flagDoc struct {
	name  string // without dashes
	arg   string // the value's name; empty for a boolean flag
	usage string
}

// commandNames returns the registered subcommands, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// helpPages returns the parsed --help of every registered subcommand.
func helpPages() []helpPage {
	var pages []helpPage
	for _, n := range commandNames() {
		p := parseHelp(captureHelp(commands[n]))
		p.name, p.summary = n, commands[n].summary
		pages = append(pages, p)
	}
	return pages
}

// captureHelp runs c with --help and returns what it printed on stdout and
// stderr. The context is already cancelled so that a command which ignored
// --help would stop at once instead of serving.
func captureHelp(c command) string {
	r, w, err := os.Pipe()
	if err != nil {
		return ""
	}
	out := make(chan string)
	go func() {
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, r)
		out <- buf.String()
	}()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = c.run(ctx, []string{"--help"}) // --help ends in flag.ErrHelp or a usage error
	os.Stdout, os.Stderr = stdout, stderr
	w.Close()
	text := <-out
	r.Close()
	return text
}

// parseHelp takes apart the text newFlagSet's usage prints: a usage line, a
// "flags:" block from flag.PrintDefaults and an "example:" block. Parts it
// cannot find stay empty; raw always holds the text.
func parseHelp(text string) helpPage {
	p := helpPage{raw: strings.TrimRight(text, "\n")}
	section := ""
	for _, line := range strings.Split(p.raw, "\n") {
		switch {
		case strings.HasPrefix(line, "usage: anycloud "):
			_, p.synopsis, _ = strings.Cut(strings.TrimPrefix(line, "usage: anycloud "), " ")
			section = ""
		case line == "flags:" || line == "example:":
			section = line
		case section == "flags:":
			p.flags = addFlagLine(p.flags, line)
		case section == "example:" && strings.TrimSpace(line) != "":
			p.example = strings.TrimPrefix(p.example+"\n"+strings.TrimSpace(line), "\n")
		}
	}
	return p
}

// addFlagLine adds one line of flag.PrintDefaults output: "  -name type"
// starts a flag (short ones continue after a tab on the same line) and
// "    \t..." continues the usage of the last one.
func addFlagLine(flags []flagDoc, line string) []flagDoc {
	if rest, ok := strings.CutPrefix(line, "    \t"); ok && len(flags) > 0 {
		last := &flags[len(flags)-1]
		last.usage = strings.TrimSpace(last.usage + "\n" + rest)
		return flags
	}
	rest, ok := strings.CutPrefix(line, "  -")
	if !ok {
		return flags
	}
	head, usage, _ := strings.Cut(rest, "\t")
	name, arg, _ := strings.Cut(head, " ")
	return append(flags, flagDoc{name: name, arg: arg, usage: usage})
}

// choices returns the words a subcommand takes in first position, read from
// its synopsis: "bash|zsh" gives bash and zsh, and "--config FILE | status |
// reload" gives status and reload.
func (p helpPage) choices() []string {
	var words []string
	for _, alt := range strings.Split(p.synopsis, "|") {
		word, _, _ := strings.Cut(strings.TrimSpace(alt), " ")
		if isPlainWord(word) {
			words = append(words, word)
		}
	}
	return words
}

func isPlainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return s[0] != '-'
}
