// Package tcpslots owns the TCP connection slots of the DNS listeners (the
// node's and the hub's): a cap on open connections in total and per source
// prefix (/24 for IPv4, /56 for IPv6, as response rate limiting groups
// sources), eviction of the idlest connection when every slot is taken
// instead of refusing new clients (RFC 7766 6.2.3: under load a server
// closes idle connections first), and an idle deadline that only a
// response sent moves, so empty or partial frames cannot keep a connection
// open.
package tcpslots
