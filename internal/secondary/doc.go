// Package secondary owns the timer logic of one secondary zone (RFC 1034
// section 4.3.5, RFC 1996): check the SOA at refresh, retry after a
// failure, check at once on NOTIFY, transfer when the serial moved, and
// declare the zone expired when no server could be reached for SOA EXPIRE
// seconds (or the EDNS EXPIRE value, RFC 7314). Both the hub (toward client
// primaries) and the node (toward the hubs) use it.
//
// Toward client primaries (Servers) the servers are tried in turn and a
// serial that went backwards is refused (OlderSerial) until an operator
// forces it in with `anycloud hub retransfer ZONE --accept-older`.
//
// Toward several active-active hubs (Sources, one per hub) every hub is
// asked for its SOA at each check, all at once, and:
//   - the zone is taken from the hub with the highest serial (RFC 1982)
//     that is newer than the version in service, the next one if that
//     transfer fails; a hub that lags or is down is never followed back;
//   - an older serial is followed only when EVERY configured hub answered
//     AND all of them serve that same serial: that is an operator's
//     `retransfer --accept-older` done at the hubs (they replicate admin
//     operations). Otherwise the version in service is kept and the check
//     reports why (KeptNewer), so one hub restored from an older copy, or
//     one that alone rolled back, changes nothing;
//   - a transfer that brings a serial other than what that rule allows is
//     refused (the hub changed between its SOA answer and the transfer);
//   - any hub that answers restarts the expire timer (with the longest
//     expire any answering hub gave): the zone expires only when no hub at
//     all answered for the expire time, so losing one hub never expires it.
//
// It must never judge or store a version itself: it hands every transfer to
// its Accept callback, and it never gives up a zone because servers are
// unreachable (expiry is reported, the owner decides what to do).
package secondary
