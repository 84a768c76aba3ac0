package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

// TestBashCompletion sources the generated script in bash and asks it what
// it would offer, as bash does on TAB.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		testenv.Skip(t, "bash not installed")
	}
	script := filepath.Join(t.TempDir(), "anycloud.bash")
	if err := os.WriteFile(script, []byte(bashCompletion(helpPages())), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string // words typed, the last one being completed
		want []string
	}{
		{"anycloud se", []string{"serve"}},
		{"anycloud serve --li", []string{"--listen"}},
		{"anycloud node --c", []string{"--check", "--config"}},
		{"anycloud completion ", []string{"bash", "zsh"}},
		{"anycloud hub re", []string{"reload", "retransfer", "restore"}},
		{"anycloud manpage --d", []string{"--date", "--dir"}},
		{"anycloud client add --pr", []string{"--primary"}},
		{"anycloud client trial ", []string{"transfer", "resolve"}},
		{"anycloud client trial transfer --tsig-", []string{"--tsig-key", "--tsig-secret"}},
		{"anycloud hub retransfer --acc", []string{"--accept-older"}},
		{"anycloud node di", []string{"disable"}},
		{"anycloud node drain --ti", []string{"--timeout"}},
		{"anycloud node drain --t", []string{"--timeout", "--token-file"}},
	}
	for _, tt := range tests {
		got := bashComplete(t, bash, script, tt.line)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%q completes to %q, want %q", tt.line, got, tt.want)
		}
	}
}

func bashComplete(t *testing.T, bash, script, line string) []string {
	words := strings.Split(line, " ")
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = strconv.Quote(w)
	}
	prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
		"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n_anycloud\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// TestCompletionsNameEveryCommand: both scripts know every command and its
// flags.
func TestCompletionsNameEveryCommand(t *testing.T) {
	pages := helpPages()
	bash, zsh := bashCompletion(pages), zshCompletion(pages)
	for _, p := range pages {
		if !strings.Contains(bash, "\n    "+completionKey(p.name)+") flags=") {
			t.Errorf("bash completion has no case for %s", p.name)
		}
		if !strings.Contains(p.name, " ") && !strings.Contains(zsh, "'"+p.name+":") {
			t.Errorf("zsh completion does not describe %s", p.name)
		}
		if !strings.Contains(zsh, "\n    "+completionKey(p.name)+")\n") {
			t.Errorf("zsh completion has no case for %s", p.name)
		}
		for _, f := range p.flags {
			if !strings.Contains(zsh, "--"+f.name+"[") {
				t.Errorf("zsh completion lacks %s --%s", p.name, f.name)
			}
		}
	}
}

// TestZshCompletion runs the script in zsh with the completion system's
// _arguments and _describe replaced by functions that print what they were
// given, so the command-word matching is checked by zsh itself.
func TestZshCompletion(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		testenv.Skip(t, "zsh not installed (apt-get install zsh)")
	}
	script := filepath.Join(t.TempDir(), "_anycloud")
	if err := os.WriteFile(script, []byte(zshCompletion(helpPages())), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		want []string // in what _arguments or _describe received
		not  string
	}{
		{"anycloud cl", []string{"describe", "client:onboard"}, ""},
		{"anycloud client add --pr", []string{"arguments", "--primary["}, "--url["},
		{"anycloud client trial ", []string{"1:word:(transfer resolve)"}, "--primary["},
		{"anycloud client trial transfer --ts", []string{"--tsig-key["}, "1:word:"},
		{"anycloud hub retransfer --a", []string{"--accept-older["}, "--check["},
		{"anycloud serve --li", []string{"--listen["}, ""},
	}
	for _, tt := range tests {
		words := strings.Split(tt.line, " ")
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = strconv.Quote(w)
		}
		prog := "_describe() { print -r -- describe \"$@\" \"${(@P)2}\"; }\n" +
			"_arguments() { print -r -- arguments \"$@\"; }\n_files() { :; }\n" +
			"words=(" + strings.Join(quoted, " ") + ")\nCURRENT=" + strconv.Itoa(len(words)) + "\nsource " + script + "\n"
		out, err := exec.Command(zsh, "-f", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: zsh: %v\n%s", tt.line, err, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%q: zsh completion was given %q, lacking %q", tt.line, out, w)
			}
		}
		if tt.not != "" && strings.Contains(string(out), tt.not) {
			t.Errorf("%q: zsh completion was given %q, which should not hold %q", tt.line, out, tt.not)
		}
	}
}

// TestZshCompletionParses checks the script's syntax with zsh itself.
func TestZshCompletionParses(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		testenv.Skip(t, "zsh not installed (apt-get install zsh): cannot check the zsh completion's syntax")
	}
	script := filepath.Join(t.TempDir(), "_anycloud")
	if err := os.WriteFile(script, []byte(zshCompletion(helpPages())), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Errorf("zsh -n: %v\n%s", err, out)
	}
}
