// Package xfr owns zone transfers on the wire: pulling a zone by IXFR with
// fallback to AXFR (RFC 1995, 5936), SOA checks and NOTIFY (RFC 1996) as a
// client, serving AXFR and IXFR from a version and its journal as a server,
// every message TSIG-signed (RFC 8945) when a key is given. Failures come
// back as errors that say in operator terms what went wrong (BADKEY, BADSIG,
// BADTIME, REFUSED, timeouts, a cut connection).
//
// It must never decide whether a version is acceptable (that is the gate's
// job) nor keep state between calls: callers own timers and versions.
package xfr
