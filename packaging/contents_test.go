package packaging

import (
	"debug/elf"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestControl reads each package's control file as dpkg will.
func TestControl(t *testing.T) {
	needTool(t, "dpkg-deb")
	for _, arch := range arches {
		deb := debFile(t, dist(t), arch)
		for field, want := range map[string]string{
			"Package": "anycloud", "Architecture": arch, "Depends": "procps", "Section": "net",
		} {
			if got := strings.TrimSpace(output(t, "dpkg-deb", "-f", deb, field)); got != want {
				t.Errorf("%s: %s is %q, want %q", filepath.Base(deb), field, got, want)
			}
		}
		version := strings.TrimSpace(output(t, "dpkg-deb", "-f", deb, "Version"))
		if !regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`).MatchString(version) {
			t.Errorf("%s: Version %q is not a Debian upstream version", filepath.Base(deb), version)
		}
		info := output(t, "dpkg-deb", "-I", deb, "conffiles")
		if got := strings.Fields(info); strings.Join(got, " ") != "/etc/anycloud/hub.yaml /etc/anycloud/node.yaml" {
			t.Errorf("%s: conffiles %q", filepath.Base(deb), got)
		}
		for _, script := range []string{"postinst", "prerm", "postrm"} {
			if _, err := tryOutput("dpkg-deb", "-I", deb, script); err != nil {
				t.Errorf("%s: no %s: %v", filepath.Base(deb), script, err)
			}
		}
	}
}

// TestContents lists each package with dpkg-deb -c: every file an operator
// relies on is there with the right mode.
func TestContents(t *testing.T) {
	needTool(t, "dpkg-deb")
	want := map[string]string{
		"./usr/bin/anycloud":                               "-rwxr-xr-x",
		"./usr/lib/systemd/system/anycloud-node.service":   "-rw-r--r--",
		"./usr/lib/systemd/system/anycloud-hub.service":    "-rw-r--r--",
		"./usr/lib/sysusers.d/anycloud.conf":               "-rw-r--r--",
		"./etc/anycloud/node.yaml":                         "-rw-r--r--",
		"./etc/anycloud/hub.yaml":                          "-rw-r--r--",
		"./etc/anycloud/keys/":                             "drwxr-x---",
		"./usr/share/man/man1/anycloud.1.gz":               "-rw-r--r--",
		"./usr/share/bash-completion/completions/anycloud": "-rw-r--r--",
		"./usr/share/zsh/vendor-completions/_anycloud":     "-rw-r--r--",
		"./usr/share/doc/anycloud/CHANGELOG.md":            "-rw-r--r--",
		"./usr/share/doc/anycloud/install.md":              "-rw-r--r--",
		"./usr/share/doc/anycloud/examples/zones/sv.zone":  "-rw-r--r--",
		"./usr/share/doc/anycloud/examples/keys/README.md": "-rw-r--r--",
	}
	for _, arch := range arches {
		listing := debListing(t, debFile(t, dist(t), arch))
		for path, mode := range want {
			if got, ok := listing[path]; !ok || got != mode {
				t.Errorf("%s: %s has mode %q, want %q", arch, path, got, mode)
			}
		}
		for path := range listing {
			if strings.HasSuffix(path, ".key") {
				t.Errorf("%s: ships a TSIG secret %s", arch, path)
			}
		}
	}
}

// debListing maps each path in a package to its mode string.
func debListing(t *testing.T, deb string) map[string]string {
	t.Helper()
	listing := map[string]string{}
	for _, line := range strings.Split(output(t, "dpkg-deb", "-c", deb), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 {
			listing[f[5]] = f[0]
		}
	}
	return listing
}

// TestBinaryArchitecture: each package holds a static binary for its
// architecture (CGO_ENABLED=0: no dynamic loader needed on the host).
func TestBinaryArchitecture(t *testing.T) {
	needTool(t, "dpkg-deb")
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	for _, arch := range arches {
		dir := t.TempDir()
		output(t, "dpkg-deb", "-x", debFile(t, dist(t), arch), dir)
		f, err := elf.Open(filepath.Join(dir, "usr/bin/anycloud"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != machines[arch] {
			t.Errorf("%s: binary is for %v", arch, f.Machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: binary is dynamically linked", arch)
			}
		}
		f.Close()
	}
}

// TestEveryCommandHasManPageAndCompletion asks the built binary for its
// commands, as an operator would, and checks each one has a man page in the
// package, appears in both completions, and shows an example in --help.
func TestEveryCommandHasManPageAndCompletion(t *testing.T) {
	needTool(t, "dpkg-deb")
	bin := hostBinary(t)
	names := commandsOf(t, bin)
	if len(names) < 4 {
		t.Fatalf("anycloud --help lists only %q", names)
	}
	dir := t.TempDir()
	output(t, "dpkg-deb", "-x", debFile(t, dist(t), "amd64"), dir)
	bash := readFile(t, filepath.Join(dir, "usr/share/bash-completion/completions/anycloud"))
	zsh := readFile(t, filepath.Join(dir, "usr/share/zsh/vendor-completions/_anycloud"))
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, "usr/share/man/man1/anycloud-"+name+".1.gz")); err != nil {
			t.Errorf("no man page for %s: %v", name, err)
		}
		if !strings.Contains(bash, "\n    "+name+") ") || !strings.Contains(zsh, "'"+name+":") {
			t.Errorf("%s missing from the bash or zsh completion", name)
		}
		help, _ := tryOutputCombined(bin, name, "--help")
		if !strings.Contains(help, "\nexample:\n  anycloud "+name) {
			t.Errorf("anycloud %s --help shows no example:\n%s", name, help)
		}
		// A command that lists its subcommands one per line (lab) has a
		// page and a completion case for each, like those named in a
		// synopsis (client add, node drain).
		for _, sub := range listedSubcommands(help, name) {
			if _, err := os.Stat(filepath.Join(dir, "usr/share/man/man1/anycloud-"+name+"-"+sub+".1.gz")); err != nil {
				t.Errorf("no man page for %s %s: %v", name, sub, err)
			}
			if !strings.Contains(bash, "\n    "+name+"_"+sub+") ") {
				t.Errorf("%s %s missing from the bash completion", name, sub)
			}
		}
	}
	if subs := listedSubcommands(mustHelp(bin, "lab"), "lab"); len(subs) < 7 {
		t.Errorf("anycloud lab --help lists %q, want up, status, exec, fail, heal, bump, down", subs)
	}
}

func mustHelp(bin, name string) string {
	help, _ := tryOutputCombined(bin, name, "--help")
	return help
}

// listedSubcommands reads the "  anycloud NAME SUB ..." lines of a help text
// before its example.
func listedSubcommands(help, name string) []string {
	var subs []string
	before, _, _ := strings.Cut(help, "\nexample:\n")
	for _, m := range regexp.MustCompile(`(?m)^  anycloud `+regexp.QuoteMeta(name)+` ([a-z][a-z0-9-]*)`).FindAllStringSubmatch(before, -1) {
		if !slices.Contains(subs, m[1]) {
			subs = append(subs, m[1])
		}
	}
	return subs
}

// commandsOf parses the command list `anycloud --help` prints.
func commandsOf(t *testing.T, bin string) []string {
	help, _ := tryOutputCombined(bin, "--help")
	_, list, ok := strings.Cut(help, "commands:\n")
	if !ok {
		t.Fatalf("anycloud --help has no command list:\n%s", help)
	}
	var names []string
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(line, "  ") && len(strings.Fields(line)) > 1 {
			names = append(names, strings.Fields(line)[0])
		}
	}
	sort.Strings(names)
	return names
}

// TestManPagesRender formats every packaged page with groff, all warnings on.
func TestManPagesRender(t *testing.T) {
	needTool(t, "dpkg-deb")
	needTool(t, "groff")
	dir := t.TempDir()
	output(t, "dpkg-deb", "-x", debFile(t, dist(t), "arm64"), dir)
	pages, _ := filepath.Glob(filepath.Join(dir, "usr/share/man/man1/*.1.gz"))
	for _, page := range pages {
		out, err := tryOutputCombined("sh", "-c", `zcat "$1" | groff -man -Tutf8 -ww -z`, "sh", page)
		if err != nil || out != "" {
			t.Errorf("%s: %v %s", filepath.Base(page), err, out)
		}
	}
}

// TestDefaultConfigs: the configurations installed in /etc/anycloud pass
// --check once the keys they name exist, and fail without them, so a fresh
// install never starts half-configured.
func TestDefaultConfigs(t *testing.T) {
	bin := hostBinary(t)
	for _, role := range []string{"node", "hub"} {
		dir := t.TempDir()
		config := filepath.Join(dir, role+".yaml")
		writeFile(t, config, readFile(t, filepath.Join("etc", role+".yaml")))
		if out, err := tryOutputCombined(bin, role, "--config", config, "--check"); err == nil {
			t.Errorf("%s.yaml passes --check without its key:\n%s", role, out)
		}
		writeFile(t, filepath.Join(dir, "keys", map[string]string{"node": "node.key", "hub": "example.key"}[role]),
			"EJmGQ0ge3xJzvgZbYJAshVbJPRaEsSD8yhf7OHEvn8c=\n")
		if out, err := tryOutputCombined(bin, role, "--config", config, "--check"); err != nil {
			t.Errorf("%s.yaml with its key: %v\n%s", role, err, out)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
