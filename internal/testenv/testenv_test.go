package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// helperEnv names the case TestHelperProcess runs in a child process.
const helperEnv = "ANYCLOUD_TESTENV_HELPER"

// TestHelperProcess is not a test on its own: run as a child by
// TestSkipUnderRequireAll, it calls one helper as a test would.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		SkipByChoice(t, "only runs as the child of TestSkipUnderRequireAll")
	case "skip":
		Skip(t, "widget-daemon not installed")
	case "root":
		RequireRoot(t, "network namespaces")
	case "command":
		RequireCommand(t, "sh", "anycloud-no-such-command")
	case "package":
		t.Setenv("PATH", t.TempDir())
		RequireCommand(t, "knotd")
	case "has":
		if HasCommand(t, "anycloud-no-such-command") {
			t.Fatal("HasCommand found a command that does not exist")
		}
	case "hasroot":
		if HasRoot(t, "nft -c") != (os.Geteuid() == 0) {
			t.Fatal("HasRoot is wrong about root")
		}
	case "choice":
		SkipByChoice(t, "set ANYCLOUD_WIDGET=N to measure widgets")
	case "interop":
		Interop(t, "knotd")
	case "internet":
		Internet(t, "debootstrap from a mirror")
	case "input":
		SkipInput(t, "not a zone")
	}
	t.Log("HELPER-CONTINUED")
}

// TestSkipUnderRequireAll runs each helper in a child test process with and
// without ANYCLOUD_REQUIRE_ALL=1 and checks the outcome: a skip for a
// missing prerequisite becomes a failure naming what is missing, and only
// the deliberate skips stay skips.
func TestSkipUnderRequireAll(t *testing.T) {
	rootWant, rootOutput := "fail", "needs root (network namespaces)"
	hasRootWant, hasRootOutput := "fail", "a check of this test cannot run here: needs root (nft -c)"
	if os.Geteuid() == 0 {
		rootWant, rootOutput = "ok", "HELPER-CONTINUED"
		hasRootWant, hasRootOutput = "ok", "HELPER-CONTINUED"
	}
	tests := []struct {
		helper     string
		env        []string
		requireAll bool
		want       string // "ok", "skip" or "fail"
		output     string // must appear in the child's output
	}{
		{"skip", nil, false, "skip", "widget-daemon not installed"},
		{"skip", nil, true, "fail", "ANYCLOUD_REQUIRE_ALL=1 and this test cannot run here: widget-daemon not installed"},
		{"command", nil, false, "skip", "anycloud-no-such-command not installed"},
		{"command", nil, true, "fail", "anycloud-no-such-command not installed"},
		{"package", nil, true, "fail", "knotd not installed (apt-get install knot)"},
		{"has", nil, false, "ok", "check not run: anycloud-no-such-command not installed"},
		{"has", nil, true, "fail", "a check of this test cannot run here: anycloud-no-such-command not installed"},
		{"choice", nil, true, "skip", "by choice: set ANYCLOUD_WIDGET=N"},
		{"interop", []string{LevelEnv + "=unit"}, true, "skip", "interop test (starts knotd)"},
		{"interop", []string{LevelEnv + "=interop"}, true, "ok", "HELPER-CONTINUED"},
		{"interop", nil, true, "ok", "HELPER-CONTINUED"},
		{"internet", nil, true, "skip", "needs the internet (debootstrap from a mirror)"},
		{"internet", []string{InternetEnv + "=1"}, true, "ok", "HELPER-CONTINUED"},
		{"input", nil, true, "fail", "input not usable: not a zone"},
		{"input", nil, false, "skip", "input not usable: not a zone"},
		{"root", nil, true, rootWant, rootOutput},
		{"hasroot", nil, true, hasRootWant, hasRootOutput},
	}
	for _, tt := range tests {
		name := tt.helper + "/" + strings.Join(tt.env, ",")
		if tt.requireAll {
			name += "/require-all"
		}
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v", "-test.count=1")
			cmd.Env = append(filteredEnv(), helperEnv+"="+tt.helper)
			if tt.requireAll {
				cmd.Env = append(cmd.Env, RequireAllEnv+"=1")
			}
			cmd.Env = append(cmd.Env, tt.env...)
			out, err := cmd.CombinedOutput()
			got := "ok"
			switch {
			case err != nil:
				got = "fail"
			case strings.Contains(string(out), "--- SKIP: TestHelperProcess"):
				got = "skip"
			case !strings.Contains(string(out), "--- PASS: TestHelperProcess"):
				t.Fatalf("child ran no test:\n%s", out)
			}
			if got != tt.want {
				t.Errorf("outcome %s, want %s (err %v):\n%s", got, tt.want, err, out)
			}
			if !strings.Contains(string(out), tt.output) {
				t.Errorf("output lacks %q:\n%s", tt.output, out)
			}
		})
	}
}

// filteredEnv is this process's environment without the variables the
// helpers read, so each case sets only its own.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case RequireAllEnv, LevelEnv, InternetEnv, helperEnv:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// TestPackagesInstalledByMakeTest: every Debian package a skip message
// tells to install is in the "test" set of scripts/install-deps.sh, and
// the "demo" set is part of it, so `make test` installs whatever a test
// can ask for.
func TestPackagesInstalledByMakeTest(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "install-deps.sh"))
	if err != nil {
		t.Fatal(err)
	}
	sets := map[string]map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^(DEMO|TEST)_PACKAGES="([^"]*)"`).FindAllStringSubmatch(string(script), -1) {
		set := map[string]bool{}
		for _, p := range strings.Fields(m[2]) {
			if p == "$DEMO_PACKAGES" {
				for q := range sets["DEMO"] {
					set[q] = true
				}
				continue
			}
			set[p] = true
		}
		sets[m[1]] = set
	}
	if len(sets["DEMO"]) == 0 || len(sets["TEST"]) == 0 {
		t.Fatalf("no DEMO_PACKAGES and TEST_PACKAGES lines in install-deps.sh: %v", sets)
	}
	var notInstalled []string
	for cmd, pkg := range Packages {
		if !sets["TEST"][pkg] {
			notInstalled = append(notInstalled, cmd+" ("+pkg+")")
		}
	}
	for pkg := range sets["DEMO"] {
		if !sets["TEST"][pkg] {
			notInstalled = append(notInstalled, "demo's "+pkg)
		}
	}
	sort.Strings(notInstalled)
	if len(notInstalled) > 0 {
		t.Errorf("not in the test set of scripts/install-deps.sh: %v", notInstalled)
	}
}
