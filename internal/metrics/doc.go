// Package metrics owns anycloud's Prometheus collectors: the node's (query
// and response counters per zone read from the engine's statistics, rate
// limiting, zone serials and refresh times, announcement and BGP state) and
// the hub's (transfers, gate rejections, synchronisation lag).
//
// Every value is read at scrape time through functions the caller passes
// in, so metrics cost nothing on the query path. It must never count
// anything itself on that path, keep its own copy of the engine's counters,
// or import the packages it reports on beyond their plain data types.
package metrics
