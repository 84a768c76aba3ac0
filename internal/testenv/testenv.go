// Package testenv owns how a test says it cannot run here: every skip in
// the repository goes through it, so that ANYCLOUD_REQUIRE_ALL=1 (set by
// `make test` under CI) turns a skip for a missing package, root or address
// into a failure that names what is missing instead of a silent "ok". Only
// deliberate skips stay skips under that switch: an opt-in measurement not
// asked for (SkipByChoice), a test outside the level being run (Interop,
// Internet), and an input a fuzz target cannot use (SkipInput).
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The environment variables read at each call (not cached, so t.Setenv
// works in tests of the helpers).
const (
	// RequireAllEnv, when "1", makes every Skip a Fatal.
	RequireAllEnv = "ANYCLOUD_REQUIRE_ALL"
	// LevelEnv selects what runs: "unit" skips the interoperability tests
	// (those that start knotd, nsd, bird or chromium); "interop", "lab",
	// "all" or unset run them.
	LevelEnv = "ANYCLOUD_TEST_LEVEL"
	// InternetEnv, when "1", lets tests reach the internet (a Debian mirror).
	InternetEnv = "ANYCLOUD_TEST_INTERNET"
)

// requireAll reports whether skips for missing prerequisites must fail.
func requireAll() bool { return os.Getenv(RequireAllEnv) == "1" }

// Skip skips t because something the test needs is missing here (a
// command, root, an address family, a working container runtime). Under
// ANYCLOUD_REQUIRE_ALL=1 it ends the test as failed instead, with reason.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if requireAll() {
		t.Fatalf("%s=1 and this test cannot run here: %s", RequireAllEnv, reason)
	}
	t.Skip(reason)
}

// Skipf is Skip with a format.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	Skip(t, fmt.Sprintf(format, args...))
}

// SkipByChoice skips t because the test is opt-in and was not asked for
// (a measurement that runs only when its environment variable names its
// input, or a level not selected). It stays a skip under
// ANYCLOUD_REQUIRE_ALL=1; reason must say how to ask for the test.
func SkipByChoice(t testing.TB, reason string) {
	t.Helper()
	t.Skip("by choice: " + reason)
}

// SkipInput skips an input a fuzz target cannot use (text that does not
// parse as what the target checks). Inside a Fuzz function that is a
// normal outcome and stays a skip; in any other test (a table entry that
// the test cannot use checks nothing) it is Skip.
func SkipInput(t testing.TB, reason string) {
	t.Helper()
	if strings.HasPrefix(t.Name(), "Fuzz") {
		t.Skip("input not usable: " + reason)
	}
	Skip(t, "input not usable: "+reason)
}

// RequireRoot skips (see Skip) unless the test runs as root; why says what
// needs it.
func RequireRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skipf(t, "needs root (%s)", why)
	}
}

// RequireCommand skips (see Skip) unless every named command is on PATH;
// the reason names the Debian package that has it.
func RequireCommand(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			Skip(t, missing(name))
		}
	}
}

// HasCommand reports whether name is on PATH, for a test whose optional
// last check needs it: false is logged, and under ANYCLOUD_REQUIRE_ALL=1
// it ends the test as failed instead.
func HasCommand(t testing.TB, name string) bool {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return true
	}
	if requireAll() {
		t.Fatalf("%s=1 and a check of this test cannot run here: %s", RequireAllEnv, missing(name))
	}
	t.Logf("check not run: %s", missing(name))
	return false
}

// HasRoot reports whether the test runs as root, for a test whose optional
// last check needs it (why says what does): false is logged, and under
// ANYCLOUD_REQUIRE_ALL=1 it ends the test as failed instead.
func HasRoot(t testing.TB, why string) bool {
	t.Helper()
	if os.Geteuid() == 0 {
		return true
	}
	if requireAll() {
		t.Fatalf("%s=1 and a check of this test cannot run here: needs root (%s)", RequireAllEnv, why)
	}
	t.Logf("check not run: needs root (%s)", why)
	return false
}

// missing phrases a missing command with the package to install.
func missing(name string) string {
	if pkg, ok := Packages[name]; ok {
		return fmt.Sprintf("%s not installed (apt-get install %s)", name, pkg)
	}
	return name + " not installed"
}

// Interop marks t as an interoperability test: what names the real peer it
// starts (knotd, nsd, bird, chromium). With ANYCLOUD_TEST_LEVEL=unit the
// test is skipped by choice (`make test-interop` runs it); otherwise it
// goes on, and the peer's command must be installed (see RequireCommand).
func Interop(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(LevelEnv) == "unit" {
		SkipByChoice(t, fmt.Sprintf("interop test (starts %s); %s=unit; make test-interop runs it", what, LevelEnv))
	}
}

// Internet marks the part of t that needs the internet (what says for
// what): it goes on only with ANYCLOUD_TEST_INTERNET=1 (`make
// test-internet`), else t is skipped by choice; the default run needs no
// network beyond loopback and the test's own namespaces.
func Internet(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(InternetEnv) != "1" {
		SkipByChoice(t, fmt.Sprintf("needs the internet (%s); %s=1 or make test-internet runs it", what, InternetEnv))
	}
}
