package docgen

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// configKey is one YAML key of a configuration file.
type configKey struct {
	Path string // dotted, with [] for list items: clients[].tsig.name
	Type string // as an operator reads it: string, list of strings, ...
	Doc  string // from the field's comment, else its type's; "" if neither
}

// configKeys walks t (a struct type decoded from YAML) and returns every
// key in declaration order, reading doc comments from src.
func configKeys(t reflect.Type, src *sourceIndex) ([]configKey, error) {
	var out []configKey
	err := walkStruct(t, "", src, &out)
	return out, err
}

func walkStruct(t reflect.Type, prefix string, src *sourceIndex, out *[]configKey) error {
	if err := src.load(t.PkgPath()); err != nil {
		return fmt.Errorf("reading the source of %s: %w", t.PkgPath(), err)
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if isInline(f) {
			if err := walkStruct(f.Type, prefix, src, out); err != nil {
				return err
			}
			continue
		}
		name := yamlName(f)
		if name == "" {
			continue
		}
		path := prefix + name
		*out = append(*out, configKey{Path: path, Type: typeName(f.Type), Doc: fieldDoc(t, f, src)})
		if inner, suffix := nestedStruct(f.Type); inner != nil {
			if err := walkStruct(inner, path+suffix+".", src, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// yamlName is the key a field is decoded from; "" for fields YAML never
// sets (unexported, or tagged "-").
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
	switch tag {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name) // the decoder's default
	}
	return tag
}

// isInline reports a struct field whose keys YAML reads at the level of
// the struct holding it (tag ",inline").
func isInline(f reflect.StructField) bool {
	for _, opt := range strings.Split(f.Tag.Get("yaml"), ",")[1:] {
		if opt == "inline" {
			return f.Type.Kind() == reflect.Struct
		}
	}
	return false
}

// nestedStruct returns the struct a field holds (directly, through a
// pointer or as list items) and the path suffix for it ("" or "[]").
func nestedStruct(t reflect.Type) (reflect.Type, string) {
	suffix := ""
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice {
			suffix += "[]"
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeOf(time.Time{}) {
		return nil, ""
	}
	return t, suffix
}

var durationType = reflect.TypeOf(time.Duration(0))

// typeName says what YAML value a Go type takes.
func typeName(t reflect.Type) string {
	if t == durationType {
		return "duration"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice:
		return "list of " + plural(typeName(t.Elem()))
	case reflect.Struct:
		return "mapping"
	case reflect.Map:
		return "mapping of " + plural(typeName(t.Elem()))
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer ≥ 0"
	}
	return t.Kind().String()
}

func plural(s string) string {
	switch {
	case strings.HasPrefix(s, "list of "), strings.HasPrefix(s, "mapping of "):
		return s
	case s == "boolean", s == "string", s == "number", s == "duration", s == "mapping":
		return s + "s"
	case strings.HasPrefix(s, "integer"):
		return "integers" + strings.TrimPrefix(s, "integer")
	}
	return s
}

// fieldDoc is the field's comment or, failing that, the doc comment of the
// named struct type it holds ("GateFile tunes the gate." -> "Tunes the gate.").
func fieldDoc(owner reflect.Type, f reflect.StructField, src *sourceIndex) string {
	if doc := src.field[owner.PkgPath()+"."+owner.Name()+"."+f.Name]; doc != "" {
		return operatorWords(doc, f.Name)
	}
	inner, _ := nestedStruct(f.Type)
	if inner == nil {
		return ""
	}
	if err := src.load(inner.PkgPath()); err != nil {
		return ""
	}
	return operatorWords(src.typeDoc[inner.PkgPath()+"."+inner.Name()], inner.Name())
}

// operatorWords drops the Go name a doc comment starts with, which an
// operator never sees: "MaxShrink is the largest..." -> "The largest...".
func operatorWords(doc, goName string) string {
	doc = strings.TrimPrefix(doc, goName+" ")
	for _, verb := range []string{"is ", "are "} {
		doc = strings.TrimPrefix(doc, verb)
	}
	return capitalize(doc)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
