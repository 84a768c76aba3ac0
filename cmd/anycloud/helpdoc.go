package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
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
	more     string    // unindented text after the example (e.g. a list of subcommands)
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

// helpPages returns the parsed --help of every registered subcommand and of
// the subcommands each dispatches to (client add, hub retransfer, node
// drain, ...), found in its synopsis: a word there is a subcommand when
// `anycloud CMD WORD --help` prints a usage line for it.
func helpPages() []helpPage {
	var pages []helpPage
	probing := probingSubcommands
	probingSubcommands = true
	defer func() { probingSubcommands = probing }()
	for _, n := range commandNames() {
		c := commands[n]
		p := parseHelp(captureHelp(c, nil))
		p.name, p.summary = n, c.summary
		pages = append(pages, p)
		if probing {
			continue
		}
		for _, sub := range append(p.subcommands(), p.listedSubcommands(n)...) {
			sp := parseHelp(captureHelp(c, strings.Fields(sub)))
			if !sp.isUsageOf(n + " " + sub) {
				continue
			}
			sp.name, sp.summary = n+" "+sub, subSummary(n+" "+sub)
			sp.synopsis = synopsisAfter(sp.raw, len(strings.Fields(sp.name)))
			pages = append(pages, sp)
		}
	}
	return pages
}

// probingSubcommands is set while helpPages runs commands: a word that is
// an argument, not a subcommand, may run the command itself (`completion
// bash --help` prints the script, which calls helpPages), and that inner
// call must not probe again.
var probingSubcommands bool

// subSummaries are the one-line descriptions of subcommands of
// subcommands, which the command registry does not hold.
var subSummaries = map[string]string{
	"client add":            "register client zones at the hub under one TSIG key, in a bundle encrypted to the client and signed by the cloud",
	"client remove":         "take a client zone out of the catalog; its data is kept for the grace period",
	"client set":            "change a client's primary addresses, keeping its key",
	"client cloud-key":      "print the cloud's OpenPGP public key, which signs bundles and receives clients' keys",
	"client trial transfer": "try a transfer from the client's primary with its key, recording nothing",
	"client trial resolve":  "ask the cloud's service addresses for the client zone, as a resolver would",
	"client check":          "run the onboarding checks of a client zone (sync, NS in the zone and in the parent)",
	"client status":         "show each client zone's onboarding steps, when each was checked and last passed",
	"hub status":            "print a running hub's state: serials, last checks, errors, rejected versions",
	"hub reload":            "make a running hub re-read its configuration, all or nothing",
	"hub retransfer":        "make a running hub transfer a zone in full now, optionally accepting an older serial",
	"hub backup":            "write a running hub's administered state, keys and zones to a file (0600: it holds secrets)",
	"hub restore":           "put a backup into a fresh hub's storage, so it feeds the nodes with their existing keys",
	"node status":           "print a running node's announcement state and every zone's serial",
	"node drain":            "withdraw this node's announcements and keep answering (at the node)",
	"node undrain":          "let health decide this node's announcements again (at the node)",
	"node add":              "register a node at the hub and write its node.yaml, key and nftables ruleset",
	"node list":             "list the nodes the hub knows, with their state and site",
	"node disable":          "stop feeding a node at the hub; the node withdraws",
	"node enable":           "feed a disabled or drained node again at the hub",
	"node remove":           "remove a node at the hub: its key is revoked and the monitor stops expecting it",
	"lab up":                "build the lab and wait until every city is served",
	"lab status":            "show the lab's cities, its nodes and which node answers whom",
	"lab exec":              "run a command in a lab host (a city, node-CITY, router-CITY, hub, hub2, hub3, noc, primary-ZONE)",
	"lab fail":              "break a lab node on purpose (MODE: stop-dns, kill, silent or drain) and time its withdrawal",
	"lab heal":              "undo what lab fail did to a node",
	"lab bump":              "commit a new serial of a sample zone at its primary, which NOTIFYs the hubs",
	"lab down":              "stop everything the lab started and remove every namespace",
}

// subSummary is the summary of a subcommand of a subcommand.
func subSummary(name string) string {
	if s, ok := subSummaries[name]; ok {
		return s
	}
	return "the " + name + " subcommand of anycloud"
}

// subcommands returns the runs of plain words that start the synopsis's
// alternatives: "add NAME | trial transfer ZONE | status" gives "add",
// "trial transfer" and "status".
func (p helpPage) subcommands() []string {
	var out []string
	seen := map[string]bool{}
	for _, alt := range strings.Split(p.synopsis, "|") {
		var words []string
		for _, w := range strings.Fields(alt) {
			if !isPlainWord(w) {
				break
			}
			words = append(words, w)
		}
		if sub := strings.Join(words, " "); sub != "" && !seen[sub] {
			seen[sub] = true
			out = append(out, sub)
		}
	}
	return out
}

// listedSubcommands returns the subcommands a command that parses its own
// words (lab) lists one per line in its help instead of in its synopsis:
// "  anycloud lab up [--topology FILE] ..." gives "up". Example lines, which
// look the same, are not read.
func (p helpPage) listedSubcommands(name string) []string {
	var out []string
	for _, line := range strings.Split(p.raw, "\n") {
		if line == "example:" {
			break
		}
		rest, ok := strings.CutPrefix(line, "  anycloud "+name+" ")
		if !ok {
			continue
		}
		if word, _, _ := strings.Cut(rest, " "); isPlainWord(word) && !slices.Contains(out, word) {
			out = append(out, word)
		}
	}
	return out
}

// synopsisAfter is the usage line of text without "usage: anycloud" and
// the n words of the command's name.
func synopsisAfter(text string, n int) string {
	line, _, _ := strings.Cut(text, "\n")
	rest := strings.TrimPrefix(line, "usage: anycloud ")
	for i := 0; i < n; i++ {
		rest = strings.TrimLeft(rest, " ")
		if j := strings.IndexByte(rest, ' '); j >= 0 {
			rest = rest[j+1:]
		} else {
			rest = ""
		}
	}
	return strings.TrimSpace(rest)
}

// isUsageOf reports whether the help's usage line is that of command name
// ("node disable" matches "usage: anycloud node disable|enable NAME").
func (p helpPage) isUsageOf(name string) bool {
	line, _, _ := strings.Cut(p.raw, "\n")
	fields := strings.Fields(strings.TrimPrefix(line, "usage: anycloud "))
	if !strings.HasPrefix(line, "usage: anycloud ") {
		return false
	}
	for i, w := range strings.Fields(name) {
		if i >= len(fields) || !slices.Contains(strings.Split(fields[i], "|"), w) {
			return false
		}
	}
	return true
}

// captureHelp runs c with words and --help and returns what it printed on stdout and
// stderr. The context is already cancelled so that a command which ignored
// --help would stop at once instead of serving.
func captureHelp(c command, words []string) string {
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
	_ = c.run(ctx, append(words, "--help")) // --help ends in flag.ErrHelp or a usage error
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
		case section == "example:" && strings.TrimSpace(line) != "" && strings.TrimLeft(line, " \t") == line:
			section = "more"
			p.more = line
		case section == "example:" && strings.TrimSpace(line) != "":
			p.example = strings.TrimPrefix(p.example+"\n"+strings.TrimSpace(line), "\n")
		case section == "more":
			p.more += "\n" + line
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
