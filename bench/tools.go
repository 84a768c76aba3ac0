package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"anycloud/internal/testpeer"
)

// requiredTools maps each external program the harness itself runs to
// the Debian package that installs it.
var requiredTools = [][2]string{
	{"taskset", "util-linux"},
	{"dnsperf", "dnsperf"},
	{"kdig", "knot-dnsutils"},
	{"dnssec-keygen", "bind9-utils"},
	{"dnssec-signzone", "bind9-utils"},
}

// checkTools fails with one message naming every missing program and the
// apt-get command that installs them.
func checkTools(kinds []serverKind) error {
	tools := append([][2]string{}, requiredTools...)
	for _, k := range kinds {
		bin, pkg := k.Tool()
		tools = append(tools, [2]string{bin, pkg})
	}
	var missing, pkgs []string
	for _, t := range tools {
		if _, err := exec.LookPath(t[0]); err != nil {
			missing = append(missing, t[0])
			if t[1] != "" && !contains(pkgs, t[1]) {
				pkgs = append(pkgs, t[1])
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("missing tools: %s; install with: apt-get install %s",
		strings.Join(missing, ", "), strings.Join(pkgs, " "))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// buildAnycloud compiles ./cmd/anycloud into dir so the benchmark always
// measures the tree it runs from.
func buildAnycloud(ctx context.Context, dir string) (string, error) {
	bin, err := testpeer.BuildAnycloud(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("%w (or pass --servers nsd,knot)", err)
	}
	out, _ := exec.CommandContext(ctx, bin, "serve", "--help").CombinedOutput()
	if !strings.Contains(string(out), "--listen") && !strings.Contains(string(out), "-listen") {
		return "", errors.New("anycloud has no `serve --listen` yet (pass --servers nsd,knot)")
	}
	return bin, nil
}
