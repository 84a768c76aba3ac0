package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// sameAnswer reports whether two responses agree on everything canonical
// compares.
func sameAnswer(a, b response) bool {
	return slices.Equal(canonical(a), canonical(b))
}

// verdict applies the spec's rule to one query: anycloud must answer as
// Knot does, or, where Knot and NSD differ, as NSD does.
func verdict(anycloud, knot, nsd response) bool {
	if sameAnswer(anycloud, knot) {
		return true
	}
	return !sameAnswer(knot, nsd) && sameAnswer(anycloud, nsd)
}

// lineDiff lists the canonical lines only one of two responses has, with
// "-" for want's and "+" for got's.
func lineDiff(wantName string, want response, gotName string, got response) string {
	w, g := canonical(want), canonical(got)
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", wantName, gotName)
	for _, line := range w {
		if !slices.Contains(g, line) {
			fmt.Fprintf(&b, "- %s\n", line)
		}
	}
	for _, line := range g {
		if !slices.Contains(w, line) {
			fmt.Fprintf(&b, "+ %s\n", line)
		}
	}
	return b.String()
}

// digText renders a response the way dig shows one, for humans reading a
// failure.
func digText(name string, r response) string {
	if r.Err != nil {
		return fmt.Sprintf(";; %s: %v\n", name, r.Err)
	}
	return fmt.Sprintf(";; %s (%d octets)\n%s", name, r.Size, r.Msg.String())
}

// mismatchReport is what a failed query prints: the query, the line diff
// against Knot (and NSD where that differs from Knot), then every answer in
// full.
func mismatchReport(q querySpec, anycloud, knot, nsd response) string {
	var b strings.Builder
	if q.Line > 0 {
		fmt.Fprintf(&b, "queries.txt:%d %q variant %q\n", q.Line, q.Source, q.Key())
	} else {
		fmt.Fprintf(&b, "generated %q\n", q.Key())
	}
	b.WriteString(lineDiff("knot", knot, "anycloud", anycloud))
	if !sameAnswer(knot, nsd) {
		b.WriteString(lineDiff("nsd", nsd, "anycloud", anycloud))
	}
	b.WriteString(digText("anycloud", anycloud))
	b.WriteString(digText("knot", knot))
	b.WriteString(digText("nsd", nsd))
	return b.String()
}
