package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// TestQueryMix checks the proportions of the issue (70/20/10) within 1.5
// points, and that in-zone queries name real delegations.
func TestQueryMix(t *testing.T) {
	s := zoneShape{Origin: "tld.", Delegations: 5000, DSPercent: 30, GluePercent: 10}
	labels := map[string]bool{}
	for i := range s.Delegations {
		labels[delegationLabel(i)] = true
	}
	var buf bytes.Buffer
	const n = 20000
	if err := writeQueries(&buf, s, n); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		kinds[classifyQuery(t, sc.Text(), labels)]++
	}
	want := map[string]float64{"delegation": 70, "nx": 20, "apex": 10}
	for k, pct := range want {
		got := 100 * float64(kinds[k]) / n
		if got < pct-1.5 || got > pct+1.5 {
			t.Errorf("%s: %.1f %%, want %.0f %%", k, got, pct)
		}
	}
}

func classifyQuery(t *testing.T, line string, labels map[string]bool) string {
	name, qtype, ok := strings.Cut(line, " ")
	if !ok {
		t.Fatalf("bad line %q", line)
	}
	if name == "tld." {
		if qtype != "SOA" && qtype != "NS" && qtype != "DNSKEY" {
			t.Fatalf("apex query of type %s", qtype)
		}
		return "apex"
	}
	parts := strings.Split(strings.TrimSuffix(name, ".tld."), ".")
	label := parts[len(parts)-1]
	if strings.HasPrefix(label, "nx-") {
		return "nx"
	}
	if !labels[label] {
		t.Fatalf("query %q names no delegation", line)
	}
	return "delegation"
}

func TestQueryFileIsDeterministic(t *testing.T) {
	s := zoneShape{Origin: "tld.", Delegations: 100}
	var a, b bytes.Buffer
	writeQueries(&a, s, 500)
	writeQueries(&b, s, 500)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two query files with the same parameters differ")
	}
}
