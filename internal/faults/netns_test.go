package faults

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"anycloud/internal/testenv"
)

// requireRoot skips tests that create namespaces or mounts.
func requireRoot(t *testing.T, bins ...string) {
	t.Helper()
	testenv.RequireRoot(t, "network namespaces, mounts")
	testenv.RequireCommand(t, append([]string{"ip"}, bins...)...)
}

// newNamespace creates an empty network namespace with lo up and the given
// addresses on lo, removed when the test ends.
func newNamespace(t *testing.T, addrs []string) string {
	t.Helper()
	ns := fmt.Sprintf("acflt-%d-%s", os.Getpid()%100000, strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())))
	if len(ns) > 40 {
		ns = ns[:40]
	}
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v %s", ns, err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	var batch strings.Builder
	batch.WriteString("link set lo up\n")
	for _, a := range addrs {
		if strings.Contains(a, ":") {
			fmt.Fprintf(&batch, "addr add %s/128 dev lo nodad\n", a)
		} else {
			fmt.Fprintf(&batch, "addr add %s/32 dev lo\n", a)
		}
	}
	cmd := exec.Command("ip", "-n", ns, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("addresses in %s: %v %s", ns, err, out)
	}
	return ns
}
