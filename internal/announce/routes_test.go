package announce

import "testing"

func TestHasDefaultRoute(t *testing.T) {
	tests := []struct {
		file   string
		family Family
		want   bool
	}{
		{"testdata/route-default", IPv4, true},
		{"testdata/route-nodefault", IPv4, false},
		{"testdata/route-reject", IPv4, false},
		{"testdata/ipv6_route-default", IPv6, true},
		{"testdata/ipv6_route-unreachable", IPv6, false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := hasDefaultRoute(tc.family, map[Family]string{tc.family: tc.file})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hasDefaultRoute = %v, want %v", got, tc.want)
			}
		})
	}
}
