package docgen

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const repoRoot = "../.."

// TestDocsMatchCode fails when a committed document differs from what the
// code generates; UPDATE_DOCS=1 rewrites the documents instead.
func TestDocsMatchCode(t *testing.T) {
	docs, err := Generate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	update := os.Getenv("UPDATE_DOCS") == "1"
	for path, want := range docs {
		file := filepath.Join(repoRoot, path)
		if update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%v; generate it with\n\tUPDATE_DOCS=1 go test ./internal/docgen", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the code generates at line %d; regenerate it with\n\tUPDATE_DOCS=1 go test ./internal/docgen\nand commit the result", path, firstDifference(got, want))
		}
	}
}

func firstDifference(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range la {
		if i >= len(lb) || la[i] != lb[i] {
			return i + 1
		}
	}
	return len(la) + 1
}

// sample is a configuration type for the walker tests; its comments are
// read from this file.
type sample struct {
	// Listen is documented above the field.
	Listen  []string      `yaml:"listen"`
	Timeout time.Duration `yaml:"timeout"` // documented after the field
	Plain   int           `yaml:"plain"`
	Section *sampleInner  `yaml:"section"`
	Items   []sampleInner `yaml:"items"`
	Embedded
	Hidden func() `yaml:"-"`
	secret string
}

// sampleInner is a section documented on its type.
type sampleInner struct {
	Flag *bool   `yaml:"flag"`
	Rate float64 `yaml:"rate,omitempty"`
}

// Embedded holds keys read at the level of the struct that embeds it.
type Embedded struct {
	Port uint32 `yaml:"port"`
}

func TestConfigKeys(t *testing.T) {
	src := newSourceIndex(".", "anycloud/internal/docgen")
	if err := src.loadTestFile("docgen_test.go", "anycloud/internal/docgen"); err != nil {
		t.Fatal(err)
	}
	type sampleWithInline struct {
		sample   `yaml:",inline"`
		Embedded `yaml:",inline"`
	}
	got, err := configKeys(reflect.TypeOf(sample{}), src)
	if err != nil {
		t.Fatal(err)
	}
	want := []configKey{
		{"listen", "list of strings", "Documented above the field."},
		{"timeout", "duration", "Documented after the field"},
		{"plain", "integer", ""},
		{"section", "mapping", "A section documented on its type."},
		{"section.flag", "boolean", ""},
		{"section.rate", "number", ""},
		{"items", "list of mappings", "A section documented on its type."},
		{"items[].flag", "boolean", ""},
		{"items[].rate", "number", ""},
		{"embedded", "mapping", "Holds keys read at the level of the struct that embeds it."},
		{"embedded.port", "integer ≥ 0", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys:\n got %+v\nwant %+v", got, want)
	}
	inline, err := configKeys(reflect.TypeOf(sampleWithInline{}), src)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(inline); n != len(want)+1 || inline[n-1].Path != "port" {
		t.Errorf("inline structs: got %+v, want the sample's keys then port", inline)
	}
}

func TestParseDesc(t *testing.T) {
	tests := []struct {
		in   string
		want metricDoc
		ok   bool
	}{
		{`Desc{fqName: "anycloud_x_total", help: "Queries \"answered\".", constLabels: {}, variableLabels: {zone,c(transport)}}`,
			metricDoc{Name: "anycloud_x_total", Help: `Queries "answered".`, Labels: []string{"zone", "transport"}}, true},
		{`Desc{fqName: "anycloud_y", help: "A gauge.", unit: "", constLabels: {}, variableLabels: {}}`,
			metricDoc{Name: "anycloud_y", Help: "A gauge."}, true},
		{`something else`, metricDoc{}, false},
	}
	for _, tc := range tests {
		got, err := parseDesc(tc.in)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseDesc(%s) = %+v, %v; want %+v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// Every metric the collectors describe is in the groups with a type, and
// every hand-written label note names a real metric and label.
func TestMetricGroups(t *testing.T) {
	groups, err := metricGroups()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{}
	for _, g := range []string{"node", "hub", "monitor"} {
		if len(groups[g]) == 0 {
			t.Errorf("group %s has no metrics", g)
		}
		for _, m := range groups[g] {
			if !strings.HasPrefix(m.Name, "anycloud_") || m.Type == "" || m.Help == "" {
				t.Errorf("%s: incomplete %+v", g, m)
			}
			labels[m.Name] = map[string]bool{}
			for _, l := range m.Labels {
				labels[m.Name][l] = true
			}
		}
	}
	for name, notes := range labelValues {
		for l := range notes {
			if !labels[name][l] {
				t.Errorf("labelValues names %s{%s}, which no collector describes", name, l)
			}
		}
	}
	if got := groups["hub"][0].Type; got != "counter" {
		t.Errorf("hub transfer attempts typed %q, want counter", got)
	}
}

func TestPackageDocsListed(t *testing.T) {
	pkgs, err := packageDocs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, p := range pkgs {
		seen[p.Dir] = p.Synopsis
	}
	for _, dir := range []string{"cmd/anycloud", "internal/hub", "internal/lab/cloud", "internal/docgen"} {
		if !strings.Contains(seen[dir], "owns") && !strings.HasPrefix(seen[dir], "Command") {
			t.Errorf("%s: synopsis %q", dir, seen[dir])
		}
	}
	if _, ok := seen["internal/web"]; !ok {
		t.Error("internal/web (a package of embedded files) is missing")
	}
}

// loadTestFile indexes one file of dir (tests use it for their own types).
func (s *sourceIndex) loadTestFile(name, pkg string) error {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(s.root, name), nil, parser.ParseComments)
	if err != nil {
		return err
	}
	s.read[pkg] = true
	s.indexFile(pkg, f)
	return nil
}

// TestEveryConfigKeyDocumented: the issue asks for every setting to be
// documented; a key whose field has no comment shows as a placeholder.
func TestEveryConfigKeyDocumented(t *testing.T) {
	docs, err := Generate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(docs["docs/config-reference.md"]), "\n") {
		if strings.Contains(line, "(no doc comment in the code yet)") {
			key, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
			t.Errorf("config key %s has no doc comment: add one to its struct field (a trailing // comment will do)", key)
		}
	}
}
