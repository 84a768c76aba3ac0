package cloud

import (
	"os"
	"testing"

	"anycloud/internal/testpeer"
)

// TestMain removes the anycloud binary testpeer.AnycloudBinary built.
func TestMain(m *testing.M) { os.Exit(testpeer.RunMain(m)) }
