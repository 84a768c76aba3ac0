// Package docgen owns the reference documents generated from the code: every
// configuration key of the hub, the node and the monitor (from the config
// structs' yaml tags and doc comments), every Prometheus metric (from the
// collectors' descriptors) and the package map of docs/architecture.md (from
// each package's doc comment). Its test fails when the committed files under
// docs/ differ from what it generates; `UPDATE_DOCS=1 go test
// ./internal/docgen` rewrites them.
//
// It only reads code and writes docs: it must never be imported by a
// running command, nor hold a hand-written copy of a key, a default or a
// metric name that the code already states.
package docgen
