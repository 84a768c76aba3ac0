package lab

import (
	"strings"
	"testing"
)

func TestNearestNodesDefault(t *testing.T) {
	topo := Default()
	tests := []struct {
		down string
		want map[string]string
	}{
		{"", map[string]string{
			"santiago": "node-sao-paulo", "sao-paulo": "node-sao-paulo", "san-jose": "node-mexico-city",
			"santo-domingo": "node-santo-domingo", "mexico-city": "node-mexico-city", "bogota": "node-santo-domingo",
		}},
		{"mexico-city", map[string]string{"mexico-city": "node-santo-domingo", "san-jose": "node-santo-domingo"}},
		{"sao-paulo", map[string]string{"sao-paulo": "node-santo-domingo", "santiago": "node-santo-domingo"}},
	}
	for _, tc := range tests {
		t.Run("down="+tc.down, func(t *testing.T) {
			for city, want := range tc.want {
				got := topo.NearestNodes(city, map[string]bool{tc.down: true})
				if strings.Join(got, ",") != want {
					t.Errorf("%s: nearest %v, want %s", city, got, want)
				}
			}
		})
	}
}
