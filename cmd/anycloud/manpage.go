package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(command{name: "manpage", summary: "print the man page (roff) of a command, or write them all", run: runManpage})
}

func runManpage(_ context.Context, args []string) error {
	fs := newFlagSet("manpage", "[--date YYYY-MM-DD] [--dir DIR] [COMMAND]",
		"anycloud manpage serve | man -l -")
	dir := fs.String("dir", "", "write anycloud.1 and anycloud-COMMAND.1 for every command into DIR")
	date := fs.String("date", sourceDate(), "date in the pages' footer (default: $SOURCE_DATE_EPOCH)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pages, head := helpPages(), manHeader{date: *date, source: releaseString()}
	if *dir != "" {
		return writeManpages(*dir, head, pages)
	}
	name := strings.Join(fs.Args(), " ")
	if name == "" || name == "anycloud" {
		fmt.Print(overviewManpage(head, pages))
		return nil
	}
	for _, p := range pages {
		if p.name == name {
			fmt.Print(commandManpage(head, p))
			return nil
		}
	}
	return fmt.Errorf("no command %q", name)
}

// sourceDate honours SOURCE_DATE_EPOCH so package builds are reproducible.
func sourceDate() string {
	sec, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil {
		return ""
	}
	return time.Unix(sec, 0).UTC().Format("2006-01-02")
}

// manHeader is what .TH says besides the title: the date and the release.
type manHeader struct{ date, source string }

func writeManpages(dir string, head manHeader, pages []helpPage) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{"anycloud.1": overviewManpage(head, pages)}
	for _, p := range pages {
		files["anycloud-"+dashed(p.name)+".1"] = commandManpage(head, p)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return fmt.Errorf("writing man page: %w", err)
		}
	}
	return nil
}

// commandManpage renders one subcommand's page: NAME, SYNOPSIS, DESCRIPTION,
// OPTIONS and EXAMPLE come from its summary and --help.
func commandManpage(head manHeader, p helpPage) string {
	var b strings.Builder
	title := "anycloud-" + dashed(p.name)
	fmt.Fprintf(&b, ".TH %s 1 %q %q \"anycloud manual\"\n", strings.ToUpper(roff(title)), head.date, head.source)
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", roff(title), roff(p.summary))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B anycloud %s\n", roff(p.name))
	if p.synopsis != "" {
		b.WriteString(roffLine(p.synopsis) + "\n")
	}
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s.\n", roffLine(upperFirst(p.summary)))
	if p.more != "" {
		fmt.Fprintf(&b, ".PP\n.nf\n%s\n.fi\n", roffBlock(p.more))
	}
	if p.synopsis == "" && p.example == "" {
		// Help not written by newFlagSet: show it as printed.
		fmt.Fprintf(&b, ".PP\n.nf\n%s\n.fi\n", roffBlock(p.raw))
	}
	if len(p.flags) > 0 {
		b.WriteString(".SH OPTIONS\n")
		for _, f := range p.flags {
			fmt.Fprintf(&b, ".TP\n%s\n%s\n", roffFlag(f), roffBlock(f.usage))
		}
	}
	if p.example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLE\n.PP\n.nf\n.RS\n%s\n.RE\n.fi\n", roffBlock(p.example))
	}
	b.WriteString(".SH SEE ALSO\n.BR anycloud (1)\n")
	return b.String()
}

// overviewManpage renders anycloud(1): what the tool is and its commands.
func overviewManpage(head manHeader, pages []helpPage) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH ANYCLOUD 1 %q %q \"anycloud manual\"\n", head.date, head.source)
	b.WriteString(".SH NAME\nanycloud \\- shared anycast authoritative DNS cloud\n")
	b.WriteString(".SH SYNOPSIS\n.B anycloud\n.I COMMAND\n[flags]\n")
	b.WriteString(".SH DESCRIPTION\nOne binary with one command per role. " +
		"Run \\fBanycloud \\fICOMMAND\\fB \\-\\-help\\fR for a command's flags and an example.\n")
	b.WriteString(".SH COMMANDS\n")
	for _, p := range pages {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s; see \\fBanycloud\\-%s\\fR(1).\n", roff(p.name), roffLine(p.summary), roff(dashed(p.name)))
	}
	b.WriteString(".SH FILES\n.TP\n.I /etc/anycloud/node.yaml\nconfiguration of \\fBanycloud node\\fR\n" +
		".TP\n.I /etc/anycloud/hub.yaml\nconfiguration of \\fBanycloud hub\\fR\n" +
		".TP\n.I /var/lib/anycloud\nzone copies and accepted versions\n")
	b.WriteString(".SH SEE ALSO\n")
	for i, p := range pages {
		sep := ","
		if i == len(pages)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, ".BR anycloud\\-%s (1)%s\n", roff(dashed(p.name)), sep)
	}
	return b.String()
}

// dashed is a command's name as man page names spell it: "client add"
// gives "client-add" (anycloud-client-add(1)).
func dashed(name string) string { return strings.ReplaceAll(name, " ", "-") }

func roffFlag(f flagDoc) string {
	if f.arg == "" {
		return `.B \-\-` + roff(f.name)
	}
	return fmt.Sprintf(`.BI \-\-%s " %s"`, roff(f.name), roff(f.arg))
}

// roff escapes text for use inside a roff line: backslashes and hyphens.
func roff(s string) string {
	return strings.NewReplacer(`\`, `\e`, `-`, `\-`).Replace(s)
}

// roffLine escapes a text line, also guarding a leading control character.
func roffLine(s string) string {
	s = roff(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		return `\&` + s
	}
	return s
}

func roffBlock(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = roffLine(l)
	}
	return strings.Join(lines, "\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
