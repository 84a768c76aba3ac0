package adminstate

import "testing"

func TestValidNodeState(t *testing.T) {
	for _, tc := range []struct {
		state string
		want  bool
	}{
		{NodeEnabled, true},
		{NodeDisabled, true},
		{NodeDrained, true},
		{"", false},
		{"Enabled", false},
		{"paused", false},
	} {
		if got := ValidNodeState(tc.state); got != tc.want {
			t.Errorf("ValidNodeState(%q) = %v, want %v", tc.state, got, tc.want)
		}
	}
}
