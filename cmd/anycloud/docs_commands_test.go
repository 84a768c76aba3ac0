package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docsWithCommands are the documents whose `anycloud ...` command lines
// must parse with the real flag sets.
var docsWithCommands = []string{"../../docs/operator-guide.md", "../../README.md", "../../docs/install.md"}

// TestDocumentedCommandsParse takes every `anycloud ...` command line out of
// the operator's guide, the README and the install page (code blocks and
// inline code) and parses it with the command's own flag sets, stopping
// before the command does anything: a renamed flag or subcommand fails here
// instead of in an operator's terminal.
func TestDocumentedCommandsParse(t *testing.T) {
	labUsage := captureHelp(commands["lab"], nil)
	total := 0
	for _, doc := range docsWithCommands {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		lines := documentedCommands(string(text))
		if strings.HasSuffix(doc, "operator-guide.md") && len(lines) < 20 {
			t.Errorf("%s: only %d anycloud command lines found; the extraction is broken", doc, len(lines))
		}
		for _, line := range lines {
			total++
			if msg := checkCommandLine(line, labUsage); msg != "" {
				t.Errorf("%s: `%s`: %s", doc, line, msg)
			}
		}
	}
	t.Logf("%d documented command lines parsed", total)
}

var (
	fenceRE  = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	inlineRE = regexp.MustCompile("`((?:[a-z./]*/)?anycloud [^`]+)`")
	promptRE = regexp.MustCompile(`^(?:[$#] |sudo )+`)
)

// documentedCommands returns the anycloud command lines of a Markdown text,
// each cut at the first shell operator or comment.
func documentedCommands(text string) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(promptRE.ReplaceAllString(strings.TrimSpace(s), ""))
		for _, op := range []string{" && ", " || ", " | ", " ; ", " > ", " >> ", " < ", "  #", " # "} {
			if i := strings.Index(s, op); i >= 0 {
				s = s[:i]
			}
		}
		words := strings.Fields(s)
		if len(words) > 1 && (words[0] == "anycloud" || strings.HasSuffix(words[0], "/anycloud")) {
			out = append(out, strings.Join(words, " "))
		}
	}
	for _, m := range fenceRE.FindAllStringSubmatch(text, -1) {
		for _, line := range strings.Split(strings.ReplaceAll(m[1], "\\\n", " "), "\n") {
			add(line)
		}
	}
	prose := fenceRE.ReplaceAllString(text, "")
	for _, line := range strings.Split(strings.ReplaceAll(prose, "\\\n", " "), "\n") {
		if strings.HasPrefix(line, "    ") { // an indented code block
			add(line)
		}
	}
	for _, m := range inlineRE.FindAllStringSubmatch(prose, -1) {
		add(m[1])
	}
	return out
}

// checkCommandLine parses one command line; "" when it parses. Optional
// groups ([--json]) are left out, placeholders (<TAB>, NAME...) skipped,
// and "a|b" words are tried one by one.
func checkCommandLine(line, labUsage string) string {
	var args []string
	for _, w := range shellWords(withoutOptional(line))[1:] {
		if strings.ContainsAny(w, "<>") || strings.Contains(w, "...") {
			continue
		}
		args = append(args, w)
	}
	if len(args) == 0 {
		return ""
	}
	for i, w := range args {
		if strings.Contains(w, "|") && !strings.HasPrefix(w, "-") && (i == 0 || !strings.HasPrefix(args[i-1], "-")) {
			for _, alt := range strings.Split(w, "|") {
				variant := append(append(append([]string{"anycloud"}, args[:i]...), alt), args[i+1:]...)
				if msg := checkCommandLine(strings.Join(variant, " "), labUsage); msg != "" {
					return alt + ": " + msg
				}
			}
			return ""
		}
	}
	if len(args) == 1 {
		// A command named in prose (`anycloud client`): it must exist.
		if _, ok := commands[args[0]]; !ok {
			return "no command " + args[0]
		}
		return ""
	}
	if args[0] == "lab" {
		// The lab parses its own words; check them against its usage.
		for _, w := range args[1:2] {
			if !strings.Contains(labUsage, "anycloud lab "+w) {
				return "anycloud lab has no subcommand " + w
			}
		}
		for _, w := range args[2:] {
			if w == "--" {
				break
			}
			if strings.HasPrefix(w, "--") && !strings.Contains(labUsage, w) {
				return "anycloud lab has no flag " + w
			}
		}
		return ""
	}
	c, ok := commands[args[0]]
	if !ok {
		return "no command " + args[0]
	}
	devnull, _ := os.Open(os.DevNull)
	errFile, _ := os.CreateTemp("", "docs-cmd")
	defer os.Remove(errFile.Name())
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = devnull, errFile
	parseOnly = true
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.run(ctx, args[1:])
	parseOnly = false
	os.Stdout, os.Stderr = stdout, stderr
	devnull.Close()
	printed, _ := os.ReadFile(errFile.Name())
	errFile.Close()
	switch {
	case errors.Is(err, errParsedOnly), errors.Is(err, flag.ErrHelp):
		return ""
	case err == nil:
		return "" // ran to the end without a flag parse left (completion bash, manpage NAME)
	}
	msg := err.Error()
	if first, _, _ := strings.Cut(strings.TrimSpace(string(printed)), "\n"); first != "" {
		msg += ": " + first
	}
	return msg
}

// withoutOptional removes the [optional groups] of a synopsis-like line; a
// bracket inside a word ([::1]:53 within a group) nests.
func withoutOptional(s string) string {
	var b strings.Builder
	depth := 0
	for i, r := range s {
		switch {
		case r == '[' && (i == 0 || s[i-1] == ' ' || depth > 0):
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shellWords splits a command line as sh would for simple quoting.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func TestDocumentedCommandsExtraction(t *testing.T) {
	text := "Run `anycloud node drain` then:\n\n```sh\n$ sudo anycloud hub retransfer sv. --accept-older && echo done\nanycloud client add sv. \\\n  --primary 192.0.2.1 --pgp-key k.asc\ndig @127.0.0.1 sv. SOA\n```\n"
	got := documentedCommands(text)
	want := []string{"anycloud hub retransfer sv. --accept-older", "anycloud client add sv. --primary 192.0.2.1 --pgp-key k.asc", "anycloud node drain"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("documentedCommands:\n got %q\nwant %q", got, want)
	}
	for _, tt := range []struct {
		line string
		ok   bool
	}{
		{"anycloud hub retransfer sv. --accept-older", true},
		{"anycloud hub retransfer sv. --accept-newer", false},
		{"anycloud node --config /etc/anycloud/node.yaml --check", true},
		{"anycloud nodes --config x", false},
		{"anycloud lab up", true},
		{"anycloud lab explode", false},
		{"anycloud client", true},
		{"anycloud clients", false},
		{"anycloud hub status|reload --config x.yaml [--json]", true},
		{"anycloud hub status|reloads", false},
		{"anycloud serve --listen 127.0.0.1:5300 [--listen [::1]:5300 ...] --zone sv.=sv.zone [--zone ORIGIN=FILE ...]", true},
	} {
		if msg := checkCommandLine(tt.line, captureHelp(commands["lab"], nil)); (msg == "") != tt.ok {
			t.Errorf("checkCommandLine(%q) = %q, want ok=%v", tt.line, msg, tt.ok)
		}
	}
}
