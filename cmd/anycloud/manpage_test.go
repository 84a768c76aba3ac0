package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

// samplePage is a fixed page, so the golden file tests the rendering and
// not whatever the commands say today.
var samplePage = helpPage{
	name:     "node",
	summary:  "serve the zones of the hub's catalog",
	synopsis: "--config FILE [--check]",
	flags: []flagDoc{
		{name: "check", usage: "validate the configuration and exit"},
		{name: "config", arg: "string", usage: "node configuration file (YAML)\n.leading dot"},
	},
	example: `anycloud node --config /etc/anycloud/node.yaml` + "\n" + `echo 'a\b'`,
}

func TestCommandManpageGolden(t *testing.T) {
	got := commandManpage(manHeader{date: "2026-01-02", source: "anycloud 1.0 (0123456789ab)"}, samplePage)
	golden := filepath.Join("testdata", "manpage-node.1.golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 go test writes it)", err)
	}
	if got != string(want) {
		t.Errorf("man page differs from %s (UPDATE_GOLDEN=1 rewrites it):\n%s", golden, got)
	}
}

// TestManpagesRenderCleanly runs every generated page through groff with all
// warnings on: a page man cannot render is as bad as no page.
func TestManpagesRenderCleanly(t *testing.T) {
	testenv.RequireCommand(t, "groff")
	dir := t.TempDir()
	pages := helpPages()
	if err := writeManpages(dir, manHeader{date: "2026-01-02", source: "anycloud test"}, pages); err != nil {
		t.Fatal(err)
	}
	for _, name := range append([]string{"anycloud"}, commandNamesOf(pages)...) {
		file := filepath.Join(dir, "anycloud-"+dashed(name)+".1")
		if name == "anycloud" {
			file = filepath.Join(dir, "anycloud.1")
		}
		var stderr bytes.Buffer
		cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", file)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("groff %s: %v %s", filepath.Base(file), err, stderr.String())
		}
	}
}

// TestManpageCoversEveryCommand: each registered command has a page with
// its name, and the overview lists it.
func TestManpageCoversEveryCommand(t *testing.T) {
	pages := helpPages()
	overview := overviewManpage(manHeader{}, pages)
	for _, p := range pages {
		page := commandManpage(manHeader{}, p)
		if !strings.Contains(page, ".SH NAME\nanycloud\\-"+roff(dashed(p.name))+" \\- ") {
			t.Errorf("page of %s has no NAME line:\n%s", p.name, page)
		}
		if !strings.Contains(overview, "\\fBanycloud\\-"+roff(dashed(p.name))+"\\fR(1)") {
			t.Errorf("anycloud(1) does not list %s", p.name)
		}
	}
}

// TestManpageCoversEverySubcommand: each subcommand a command lists one per
// line in its help, as lab does (it parses its own words), has a page of its
// own, like the subcommands named in other commands' synopses.
func TestManpageCoversEverySubcommand(t *testing.T) {
	pages := map[string]bool{}
	for _, p := range helpPages() {
		pages[p.name] = true
	}
	lab := 0
	for _, n := range commandNames() {
		for _, sub := range parseHelp(captureHelp(commands[n], nil)).listedSubcommands(n) {
			if !pages[n+" "+sub] {
				t.Errorf("anycloud %s --help lists %q, which has no man page (does `anycloud %s %s --help` print a usage line?)", n, sub, n, sub)
			}
			if n == "lab" {
				lab++
			}
		}
	}
	// up, status, exec, fail, heal, bump, down.
	if lab < 7 {
		t.Errorf("anycloud lab --help lists %d subcommands, want at least 7", lab)
	}
}
