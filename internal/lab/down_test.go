package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailedUpCleansUp makes Up fail half-way (a namespace it needs is
// taken) and checks that it removed what it had built, and only that.
func TestFailedUpCleansUp(t *testing.T) {
	requireLabTools(t)
	topo := Default()
	topo.Prefix = fmt.Sprintf("f%d-", os.Getpid()%100000)
	taken := topo.Prefix + "hub"
	if err := ip(context.Background(), "netns", "add", taken); err != nil {
		t.Fatal(err)
	}
	defer ip(context.Background(), "netns", "del", taken)
	dir := filepath.Join(t.TempDir(), "lab")
	_, err := Up(context.Background(), topo, Options{StateDir: dir})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Up = %v, want a namespace-exists error", err)
	}
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		name := strings.Fields(line + " x")[0]
		if strings.HasPrefix(name, topo.Prefix) && name != taken {
			t.Errorf("left behind: %s", name)
		}
	}
	if !namespaceExists(taken) {
		t.Error("Up removed a namespace it did not create")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("state dir left behind: %v", err)
	}
}

func TestDownWithoutLabIsNoop(t *testing.T) {
	if err := Down(context.Background(), filepath.Join(t.TempDir(), "none"), nil); err != nil {
		t.Errorf("Down of nothing = %v", err)
	}
}

func TestCLIRejectsUnknownSubcommand(t *testing.T) {
	var out strings.Builder
	err := (&CLI{Stdout: &out, Stderr: &out}).Run(context.Background(), []string{"explode"})
	if err == nil || !strings.Contains(out.String(), "usage:") {
		t.Errorf("Run(explode) = %v, output %q", err, out.String())
	}
}
