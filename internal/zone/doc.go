// Package zone owns the immutable in-memory form of one DNS zone: a compact,
// pointer-free snapshot built once from a master file or a transfer and then
// only read. A snapshot is never modified after Build returns, so the query
// path reads it without locks and a new version replaces an old one by a
// single pointer swap in the server.
//
// It must never perform I/O beyond reading the files it is asked to load, and
// never hold references into caller-owned buffers after returning.
package zone
