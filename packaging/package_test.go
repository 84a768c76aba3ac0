package packaging

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// The packages are built once per test run, by build.sh as `make deb` does,
// into a temporary DIST. With a warm Go build cache this takes ~5s; cold,
// about 2 minutes (two cross-compiled binaries and nfpm).
var (
	buildOnce sync.Once
	distDir   string
	buildErr  error
)

// arches are the architectures build.sh packages.
var arches = []string{"amd64", "arm64"}

func TestMain(m *testing.M) {
	code := testpeer.RunMain(m)
	if distDir != "" {
		os.RemoveAll(distDir)
	}
	os.Exit(code)
}

// dist builds the packages on first use and returns the DIST directory.
func dist(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		distDir, buildErr = os.MkdirTemp("", "anycloud-dist-")
		if buildErr != nil {
			return
		}
		buildErr = runBuild(distDir, nil)
	})
	if buildErr != nil {
		t.Fatalf("packaging/build.sh: %v", buildErr)
	}
	return distDir
}

// runBuild runs build.sh with DIST=dir and extra environment, bounded.
func runBuild(dir string, env []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "build.sh")
	cmd.Env = append(append(os.Environ(), "DIST="+dir), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	return nil
}

// debFile returns the package built for arch.
func debFile(t *testing.T, dir, arch string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "anycloud_*_"+arch+".deb"))
	if len(files) != 1 {
		t.Fatalf("want one anycloud_*_%s.deb in %s, found %q", arch, dir, files)
	}
	return files[0]
}

// hostBinary is the binary build.sh built to run here (for man pages).
func hostBinary(t *testing.T) string {
	return filepath.Join(dist(t), "build", "host", "anycloud")
}

// output runs a command, bounded in time, and returns its stdout; a failure
// ends the test with stderr.
func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := tryOutput(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

func tryOutput(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s%s", err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

func needTool(t *testing.T, name string) {
	t.Helper()
	testenv.RequireCommand(t, name)
}

// tryOutputCombined runs a command, bounded in time, and returns stdout and
// stderr together (usage texts go to stderr).
func tryOutputCombined(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}
