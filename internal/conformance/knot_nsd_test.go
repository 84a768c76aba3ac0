package conformance

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/knot_nsd_differences.txt from the servers' answers")

const differencesFile = "testdata/knot_nsd_differences.txt"

// TestKnotNSDDifferencesAreDocumented proves the harness on two real
// servers before anycloud is involved, and keeps the list of queries where
// Knot and NSD disagree (the places where anycloud may follow either) true:
// a new disagreement, or a documented one that vanished, fails the test.
func TestKnotNSDDifferencesAreDocumented(t *testing.T) {
	specs := mustLoadQueries(t)
	knot, nsd := startKnot(t), startNSD(t)
	var differing []string
	for _, q := range specs {
		r := askAll(q, knot.Addr, nsd.Addr)
		if !sameAnswer(r[0], r[1]) {
			differing = append(differing, q.Key())
			t.Logf("knot and nsd differ on %s\n%s", q.Key(), lineDiff("knot", r[0], "nsd", r[1]))
		}
	}
	documented := readDifferences(t)
	if *update {
		writeDifferences(t, differing, documented)
		return
	}
	for _, key := range differing {
		if _, ok := documented[key]; !ok {
			t.Errorf("undocumented difference between knot and nsd: %s", key)
		}
	}
	for key, why := range documented {
		if why == "" || strings.HasPrefix(why, "TODO") {
			t.Errorf("difference %s has no explanation", key)
		}
		if !slices.Contains(differing, key) {
			t.Errorf("documented difference no longer seen: %s", key)
		}
	}
	t.Logf("%d query variants, %d where knot and nsd differ", len(specs), len(differing))
}

// readDifferences maps each documented variant key to its explanation.
// Lines are "key  # explanation"; a line "## text" is a group heading.
func readDifferences(t *testing.T) map[string]string {
	f, err := os.Open(differencesFile)
	if err != nil {
		if *update {
			return map[string]string{}
		}
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, why, _ := strings.Cut(line, " # ")
		out[strings.TrimSpace(key)] = strings.TrimSpace(why)
	}
	return out
}

func writeDifferences(t *testing.T, differing []string, documented map[string]string) {
	var b strings.Builder
	b.WriteString("# Query variants (see queries.txt) where Knot DNS 3.2 and NSD 4.6 answer\n")
	b.WriteString("# differently; anycloud may follow either there. \"key # why\" per line.\n")
	b.WriteString("# Regenerate keys with: go test ./internal/conformance -run KnotNSD -update\n")
	for _, key := range differing {
		why := documented[key]
		if why == "" {
			why = "TODO: explain"
		}
		fmt.Fprintf(&b, "%s # %s\n", key, why)
	}
	if err := os.WriteFile(differencesFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
