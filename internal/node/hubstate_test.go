package node

import "testing"

// A withdrawal said by any hub that answers wins; a hub that did not
// answer ("") or said something unknown changes nothing.
func TestCombineHubStates(t *testing.T) {
	for _, tc := range []struct {
		answers []string
		want    string
	}{
		{[]string{"enabled", "drained"}, "drained"},
		{[]string{"drained", "enabled"}, "drained"},
		{[]string{"disabled", "drained"}, "disabled"},
		{[]string{"", "enabled"}, "enabled"},
		{[]string{"", "drained"}, "drained"},
		{[]string{"", ""}, ""},
		{[]string{"bogus", "enabled"}, "enabled"},
		{[]string{"enabled", "enabled"}, "enabled"},
	} {
		if got := combineHubStates(tc.answers); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.answers, got, tc.want)
		}
	}
}
