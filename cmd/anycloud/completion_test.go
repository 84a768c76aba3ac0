package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestBashCompletion sources the generated script in bash and asks it what
// it would offer, as bash does on TAB.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
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
		{"anycloud hub re", []string{"reload", "retransfer"}},
		{"anycloud manpage --d", []string{"--date", "--dir"}},
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
		if !strings.Contains(bash, "\n    "+p.name+") flags=") {
			t.Errorf("bash completion has no case for %s", p.name)
		}
		if !strings.Contains(zsh, "'"+p.name+":") {
			t.Errorf("zsh completion does not describe %s", p.name)
		}
		for _, f := range p.flags {
			if !strings.Contains(zsh, "--"+f.name+"[") {
				t.Errorf("zsh completion lacks %s --%s", p.name, f.name)
			}
		}
	}
}

// TestZshCompletionParses checks the script's syntax with zsh itself.
func TestZshCompletionParses(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh not installed: cannot check the zsh completion's syntax")
	}
	script := filepath.Join(t.TempDir(), "_anycloud")
	if err := os.WriteFile(script, []byte(zshCompletion(helpPages())), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Errorf("zsh -n: %v\n%s", err, out)
	}
}
