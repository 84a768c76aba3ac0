// Package catalog owns the catalog zone (RFC 9432, schema version 2) that
// tells nodes which zones to serve: building it on the hub from the list of
// client zones, with member labels that stay the same for a zone across
// restarts and reloads, and parsing it on a node.
//
// It must never perform I/O and never trust a parsed catalog beyond what
// RFC 9432 defines: unknown properties are ignored, a wrong version is an
// error, a member appearing twice is taken once.
package catalog
