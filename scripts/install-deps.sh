#!/usr/bin/env bash
# Installs the Debian packages `make demo` or `make test` needs, only those
# missing: called by the Makefile's deps-demo and deps-test targets, so the
# two commands of README.md work on a fresh Debian machine as root.
#
#   scripts/install-deps.sh [--dry-run] demo|test
#
# --dry-run prints what would be installed and changes nothing. As another
# user than root, missing packages are an error that lists them.
set -euo pipefail

# demo: `anycloud lab up` (iproute2 for namespaces, BIRD 2 routers, Knot
# primaries, nftables, sysctl from procps) and the dig commands it suggests;
# ca-certificates for Go's module downloads.
DEMO_PACKAGES="ca-certificates iproute2 bird2 knot nftables procps dnsutils"
# test: every peer and tool a test starts (internal/testenv maps commands
# to these packages): NSD, Knot's kdig, dnsperf, BIND's named-checkconf,
# gpg, Chromium for the dashboard, debootstrap/dpkg/systemd/systemd-nspawn
# for the package tests, groff/man-db for man pages, zsh for completion,
# util-linux and mount for the fault tests, libfaketime for clock skew.
TEST_PACKAGES="$DEMO_PACKAGES knot-dnsutils nsd dnsperf bind9-utils ethtool gnupg chromium
  debootstrap systemd systemd-container dpkg groff man-db zsh util-linux mount faketime"

usage() { echo "usage: $0 [--dry-run] demo|test" >&2; exit 2; }

dry_run=
set_name=
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    demo) set_name=demo; wanted=$DEMO_PACKAGES ;;
    test) set_name=test; wanted=$TEST_PACKAGES ;;
    *) usage ;;
  esac
done
[ -n "$set_name" ] || usage

if ! command -v dpkg-query >/dev/null; then
  echo "install-deps: dpkg-query not found: this script installs Debian packages and needs Debian (or a derivative)" >&2
  exit 1
fi

missing=()
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

# Go is not a Debian package here: Debian's golang is older than go.mod asks.
go_bin=$(command -v go || true)
[ -n "$go_bin" ] || [ ! -x /usr/local/go/bin/go ] || go_bin=/usr/local/go/bin/go
if [ -z "$go_bin" ]; then
  want=$(sed -n 's/^go //p' "$(dirname "$0")/../go.mod")
  echo "install-deps: Go $want or later not found (neither go on PATH nor /usr/local/go/bin/go):" >&2
  echo "  install it from https://go.dev/dl/ into /usr/local/go" >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ -n "$dry_run" ]; then
  echo "install-deps: would install for $set_name: ${missing[*]}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: the $set_name needs these Debian packages, not installed:" >&2
  echo "  ${missing[*]}" >&2
  echo "run as root (make deps-$set_name), or: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# Debian starts daemons on install unless policy-rc.d says no; anycloud's
# tests and lab start knotd, nsd and bird themselves, in namespaces or on
# loopback, never as system services of the host.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
echo "install-deps: installing for $set_name: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
