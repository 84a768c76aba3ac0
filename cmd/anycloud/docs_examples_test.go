package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExampleConfigChecks runs `anycloud hub|node|monitor --config FILE
// --check` on every YAML file under examples/, as an operator would: a new
// example is checked without touching this test, and one whose role the
// file name does not say fails.
func TestEveryExampleConfigChecks(t *testing.T) {
	var files []string
	filepath.WalkDir("../../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return nil
	})
	want := []string{"hub.yaml", "node.yaml", "node-bird.yaml", "single-host/hub.yaml", "single-host/node.yaml"}
	for _, w := range want {
		if !contains(files, filepath.Join("../../examples", w)) {
			t.Errorf("examples/%s is missing: the issue asks for a hub, a GoBGP node, a BIRD node and a single host", w)
		}
	}
	for _, f := range files {
		base := filepath.Base(f)
		var role string
		for _, r := range []string{"hub", "node", "monitor"} {
			if strings.HasPrefix(base, r) {
				role = r
			}
		}
		if role == "" {
			t.Errorf("%s: name it hub*.yaml, node*.yaml or monitor*.yaml so this test knows which command checks it", f)
			continue
		}
		if code := run(context.Background(), []string{role, "--config", f, "--check"}); code != 0 {
			t.Errorf("anycloud %s --config %s --check exited %d", role, f, code)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
