package docgen

import (
	"bytes"
	"embed"
	"fmt"
	"reflect"
	"strings"
	"text/template"

	"anycloud/internal/hub"
	"anycloud/internal/monitor"
	"anycloud/internal/node"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Documents maps each generated file (relative to the repository root) to
// the template it comes from.
var Documents = map[string]string{
	"docs/config-reference.md": "config-reference.md.tmpl",
	"docs/metrics.md":          "metrics.md.tmpl",
	"docs/architecture.md":     "architecture.md.tmpl",
}

// module is the Go module path; import path module/x lives in root/x.
const module = "anycloud"

// configFiles are the YAML files whose keys the reference lists.
var configFiles = map[string]reflect.Type{
	"hub":     reflect.TypeOf(hub.File{}),
	"node":    reflect.TypeOf(node.File{}),
	"monitor": reflect.TypeOf(monitor.Config{}),
}

// generator holds what the templates read, gathered once.
type generator struct {
	root     string
	src      *sourceIndex
	metrics  map[string][]metricDoc
	packages []packageDoc
}

// Generate renders every document from the code under root (the
// repository root) and returns their contents by path.
func Generate(root string) (map[string][]byte, error) {
	g := &generator{root: root, src: newSourceIndex(root, module)}
	var err error
	if g.metrics, err = metricGroups(); err != nil {
		return nil, err
	}
	if g.packages, err = packageDocs(root); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for path, name := range Documents {
		if out[path], err = g.render(name); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return out, nil
}

func (g *generator) render(name string) ([]byte, error) {
	t, err := template.New(name).Funcs(template.FuncMap{
		"configTable":  g.configTable,
		"metricTable":  g.metricTable,
		"packageTable": g.packageTable,
	}).ParseFS(templates, "templates/"+name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Undocumented lists, per configuration file, the keys that have no doc
// comment in the code (neither on the field nor on its type).
func Undocumented(root string) (map[string][]string, error) {
	src := newSourceIndex(root, module)
	out := map[string][]string{}
	for name, t := range configFiles {
		keys, err := configKeys(t, src)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.Doc == "" {
				out[name] = append(out[name], k.Path)
			}
		}
	}
	return out, nil
}

func (g *generator) configTable(name string) (string, error) {
	t, ok := configFiles[name]
	if !ok {
		return "", fmt.Errorf("no configuration file %q", name)
	}
	keys, err := configKeys(t, g.src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| Key | Type | Meaning |\n|---|---|---|\n")
	for _, k := range keys {
		doc := k.Doc
		if doc == "" {
			doc = "(no doc comment in the code yet)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.Path, k.Type, cell(doc))
	}
	return b.String(), nil
}

func (g *generator) metricTable(group string) (string, error) {
	docs, ok := g.metrics[group]
	if !ok {
		return "", fmt.Errorf("no metric group %q", group)
	}
	var b strings.Builder
	b.WriteString("| Metric | Type | Labels | Meaning |\n|---|---|---|---|\n")
	for _, m := range docs {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", m.Name, m.Type, labelCell(m), cell(m.Help))
	}
	return b.String(), nil
}

func labelCell(m metricDoc) string {
	var parts []string
	for _, l := range m.Labels {
		p := "`" + l + "`"
		if v := labelValues[m.Name][l]; v != "" {
			p += " (" + v + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func (g *generator) packageTable() string {
	var b strings.Builder
	b.WriteString("| Package | Owns |\n|---|---|\n")
	for _, p := range g.packages {
		fmt.Fprintf(&b, "| `%s/` | %s |\n", p.Dir, cell(p.Synopsis))
	}
	return b.String()
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}
