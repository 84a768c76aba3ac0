// Package yamlconf owns how anycloud's YAML configuration files are read
// and checked: strict decoding (exactly one document, every key known,
// errors phrased for the operator who wrote the file: line and key, no Go
// type names), the collector that reports every problem of a file at once,
// each at its key's path (problems.go), and the checks of values every
// command's file has: durations, addresses, names (values.go).
//
// What a value means, its default and which values a command accepts stay
// with each command's config code (hub, node, monitor, announce); they
// report through a Problems.
package yamlconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decode decodes exactly one YAML document from data into out, rejecting
// unknown keys.
func Decode(data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty configuration")
		}
		return plain(err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document")
	}
	return nil
}

// Parse decodes data strictly into out, then runs check, which reads out
// and reports every problem through p; it returns what check built and
// every problem found, or the decoding error.
func Parse[C any](data []byte, out any, check func(p *Problems) C) (C, error) {
	var zero C
	if err := Decode(data, out); err != nil {
		return zero, err
	}
	var p Problems
	c := check(&p)
	if err := p.Err(); err != nil {
		return zero, err
	}
	return c, nil
}

// Load reads the file at path and hands it to parse with the file's
// directory, against which the files it names are resolved; a problem in
// the file is reported under its path.
func Load[C any](path string, parse func(data []byte, baseDir string) (C, error)) (C, error) {
	var zero C
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, err
	}
	c, err := parse(data, filepath.Dir(path))
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

// plain rewrites the decoder's messages in configuration terms.
func plain(err error) error {
	msg := unknownField.ReplaceAllString(err.Error(), `unknown key "$1"`)
	msg = strings.Replace(msg, "yaml: unmarshal errors:\n  ", "", 1)
	return errors.New(msg)
}
