// Package yamlconf owns strict decoding of anycloud's YAML configuration
// files: exactly one document, every key known, errors phrased for the
// operator who wrote the file (line and key, no Go type names).
//
// It must never validate values: each command's config package does that.
package yamlconf

import (
	"bytes"
	"errors"
	"io"
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

var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

// plain rewrites the decoder's messages in configuration terms.
func plain(err error) error {
	msg := unknownField.ReplaceAllString(err.Error(), `unknown key "$1"`)
	msg = strings.Replace(msg, "yaml: unmarshal errors:\n  ", "", 1)
	return errors.New(msg)
}
