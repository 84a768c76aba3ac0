package main

import (
	"context"
	"testing"
)

// TestExampleConfigsCheck runs 'anycloud hub|node --config examples/... --check'
// as an operator would.
func TestExampleConfigsCheck(t *testing.T) {
	for _, args := range [][]string{
		{"hub", "--config", "../../examples/hub.yaml", "--check"},
		{"node", "--config", "../../examples/node.yaml", "--check"},
	} {
		if code := run(context.Background(), args); code != 0 {
			t.Errorf("anycloud %v exited %d", args, code)
		}
	}
}

func TestHubCheckRejectsBadConfig(t *testing.T) {
	if code := run(context.Background(), []string{"hub", "--config", "testdata-does-not-exist.yaml", "--check"}); code != 1 {
		t.Errorf("exit %d for a missing config, want 1", code)
	}
}
