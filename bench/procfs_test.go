package main

import (
	"testing"
	"time"

	"anycloud/internal/testenv"
)

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and a parenthesis must not shift fields.
	line := "4242 (evil) name) S 17 4242 17 0 -1 4194304 98 0 0 0 250 75 0 0 20 0 1 0 1269796 3133440 363"
	st, err := parseProcStat(4242, line)
	if err != nil {
		t.Fatal(err)
	}
	if st.ppid != 17 || st.utime != 250 || st.stime != 75 || st.startTime != 1269796 || st.state != 'S' {
		t.Fatalf("parsed %+v", st)
	}
	if _, err := parseProcStat(1, "garbage"); err == nil {
		t.Fatal("want an error for a line without a command field")
	}
}

// TestStopKillsForkedChildren starts a shell that forks two sleepers,
// like NSD forks its workers, and checks that stop leaves none behind.
func TestStopKillsForkedChildren(t *testing.T) {
	testenv.RequireCommand(t, "taskset")
	p, err := startServer([]string{"sh", "-c", "sleep 60 & sleep 60 & wait"}, "0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(p.tree()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	tree := p.tree()
	if len(tree) < 3 {
		t.Fatalf("process tree has %d members, want the shell and 2 children", len(tree))
	}
	if err := p.stop(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, st := range tree {
		if cur, err := readProcStat(st.pid); err == nil && cur.startTime == st.startTime && cur.state != 'Z' {
			t.Errorf("process %d still running after stop", st.pid)
		}
	}
}
