// Package gate owns the acceptance checks a transferred zone version must
// pass before it replaces the version in service: newer serial (RFC 1982),
// apex SOA and NS, no suspicious shrinking, no growth past a factor and no
// client over its records and bytes allowed, a verifying ZONEMD when present
// (RFC 8976), unexpired apex DNSKEY and SOA signatures when signed, and a
// successful build by the serving engine (what every node will do).
//
// It must never modify a version, perform I/O or keep state: it answers one
// question, "may this version go into service, and if not why".
package gate
