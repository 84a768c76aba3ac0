package lab

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"anycloud/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestDefaultTopologyIsValid(t *testing.T) {
	topo := Default()
	if err := topo.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{"santiago", "sao-paulo", "san-jose", "santo-domingo", "mexico-city", "bogota"}
	for i, c := range topo.Cities {
		if c.Slug != want[i] {
			t.Errorf("city %d = %s, want %s", i, c.Slug, want[i])
		}
	}
}

func TestRouterConfigGolden(t *testing.T) {
	plan, err := NewPlan(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, city := range []string{"mexico-city", "santiago"} {
		t.Run(city, func(t *testing.T) {
			got, err := plan.RouterConfig(city, "/run/anycloud/lab/router-"+city)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "bird-"+city+".conf")
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("config differs from %s:\n%s", golden, got)
			}
			checkBIRDParses(t, got)
		})
	}
}

// checkBIRDParses asks the real BIRD to parse the configuration.
func checkBIRDParses(t *testing.T, conf string) {
	t.Helper()
	if !testenv.HasCommand(t, "bird") {
		return
	}
	f := filepath.Join(t.TempDir(), "bird.conf")
	os.WriteFile(f, []byte(conf), 0o644)
	if out, err := exec.Command("bird", "-p", "-c", f).CombinedOutput(); err != nil {
		t.Errorf("bird -p: %v\n%s", err, out)
	}
}
