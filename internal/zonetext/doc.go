// Package zonetext owns anycloud's own reader of RFC 1035 master files, the
// hot path of every zone file load: it turns the text straight into records
// in uncompressed wire form, without a dns.RR value per record.
//
// It is a fast path in front of miekg/dns, never a second opinion. Lines in
// the shapes zone files are made of (one record per line, the common types,
// no quoting or escapes) are read here; every other entry (parentheses,
// quoted strings, escapes, other types, unit TTLs) is handed to miekg's
// parser with the $ORIGIN, default TTL and owner in force, so it yields
// exactly what a one-piece miekg parse yields. Whatever this package cannot
// settle with certainty ($INCLUDE, $GENERATE, any error) makes Read fail,
// and the caller parses the whole file with miekg, whose records and
// file:line errors are then the answer. Correctness never depends on how
// much this package covers; FuzzReadAgainstMiekg checks it.
package zonetext
