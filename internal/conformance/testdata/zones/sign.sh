#!/bin/sh
# Regenerates the pre-signed conformance zones from their sources:
#   gt.zone -> gt.signed.zone  (NSEC)
#   hn.zone -> hn.signed.zone  (NSEC3, opt-out, iterations 0, no salt: RFC 9276)
#   edge.zone -> ne.signed.zone (NSEC), n3.signed.zone (NSEC3),
#                n3o.signed.zone (NSEC3 opt-out), n3s.signed.zone (NSEC3
#                with a salt and 5 iterations, as older zones still have)
#   apexwild.zone -> aw.signed.zone (NSEC), aw3.signed.zone (NSEC3 opt-out)
# with fresh ECDSA P-256 keys that are thrown away afterwards (nothing
# validates these zones against a trust anchor; the servers only serve them).
# Signatures are valid from 2026-01-01 to 2040-01-01 so the committed output
# does not expire under the tests.
# Needs dnssec-keygen and dnssec-signzone (Debian package bind9-utils).
set -eu
cd "$(dirname "$0")"
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
sign() { # origin source output [extra dnssec-signzone options...]
	origin=$1 source=$2 output=$3
	shift 3
	dnssec-keygen -q -K "$keys" -a ECDSAP256SHA256 -f KSK "$origin" >/dev/null
	dnssec-keygen -q -K "$keys" -a ECDSAP256SHA256 "$origin" >/dev/null
	dnssec-signzone -q -S -K "$keys" -d "$keys" -o "$origin" -N keep -O full \
		-s 20260101000000 -e 20400101000000 -f "$output" "$@" "$source" >/dev/null
}
sign gt. gt.zone gt.signed.zone
sign hn. hn.zone hn.signed.zone -3 - -H 0 -A
sign ne. edge.zone ne.signed.zone
sign n3. edge.zone n3.signed.zone -3 - -H 0
sign n3o. edge.zone n3o.signed.zone -3 - -H 0 -A
sign n3s. edge.zone n3s.signed.zone -3 aabbccdd -H 5
sign aw. apexwild.zone aw.signed.zone
sign aw3. apexwild.zone aw3.signed.zone -3 - -H 0 -A
