package testpeer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// BuildAnycloud compiles anycloud/cmd/anycloud into dir as "anycloud", so
// that a test or the bench runs the tree it was started from. Build errors
// go to the returned error together with the compiler's output.
func BuildAnycloud(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "anycloud")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "anycloud/cmd/anycloud").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build anycloud/cmd/anycloud: %w\n%s", err, out)
	}
	return bin, nil
}

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// AnycloudBinary returns the anycloud binary, built once per test process
// (the first caller pays the build, later tests share it) into a temporary
// directory any user can read and enter, so that tests running it as an
// unprivileged system user can. A build failure fails the test: the product
// under test must build. Packages that call it remove the directory by
// running their tests through RunMain.
func AnycloudBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "anycloud-bin-"); built.err != nil {
			return
		}
		if built.err = os.Chmod(built.dir, 0o755); built.err != nil {
			return
		}
		built.bin, built.err = BuildAnycloud(context.Background(), built.dir)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// RunMain runs a package's tests and then removes the binary AnycloudBinary
// built; call it from TestMain: os.Exit(testpeer.RunMain(m)).
func RunMain(m *testing.M) int {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	return code
}
