#!/usr/bin/env bash
# Checks README's promise on a bare machine (`make test-bare`): debootstrap
# Debian bookworm (minbase) once into DIR/base, copy it to DIR/anycloud-bare, copy the
# repository and Go in, and inside it (systemd-nspawn, else chroot):
#   1. as an unprivileged user, the installer must refuse and list what is
#      missing;
#   2. install make (README asks for make and Go), run `make TARGET` as root;
#   3. for a deps-* target, run the installer again: it must have nothing
#      left to do (quiet, no apt-get).
# Needs root and a Debian mirror (ANYCLOUD_DEBIAN_MIRROR, default
# deb.debian.org): not part of `make test`.
#
#   scripts/test-bare.sh DIR [TARGET]     (TARGET: deps-test, deps-demo, test-unit, ...)
set -euo pipefail

dir=${1:?usage: $0 DIR [TARGET]}
target=${2:-deps-test}
mirror=${ANYCLOUD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
repo=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "test-bare: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "test-bare: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
gobin=$(command -v go || echo /usr/local/go/bin/go)
goroot=$("$gobin" env GOROOT)

mkdir -p "$dir"
if [ ! -x "$dir/base/usr/bin/dpkg" ]; then
  echo "test-bare: debootstrap bookworm from $mirror into $dir/base"
  rm -rf "$dir/base.partial"
  timeout 20m debootstrap --variant=minbase bookworm "$dir/base.partial" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
    { tail -20 "$dir/debootstrap.log" >&2; exit 1; }
  mv "$dir/base.partial" "$dir/base"
fi
run=$dir/anycloud-bare # nspawn names the machine after it
rm -rf "$run"
cp -a "$dir/base" "$run"
mkdir -p "$run/src" "$run/usr/local"
tar -C "$repo" --exclude=./.git --exclude=./bin --exclude=./dist --exclude=./bench/work -cf - . | tar -C "$run/src" -xf -
cp -a "$goroot" "$run/usr/local/go"
cp /etc/resolv.conf "$run/etc/resolv.conf"

# inside runs a shell command in the tree as root.
inside() {
  if command -v systemd-nspawn >/dev/null; then
    # Without systemd as the host's init, nspawn warns that it cannot
    # clean its propagation directory under a /run that is not tmpfs.
    systemd-nspawn --quiet --register=no --keep-unit --as-pid2 -D "$run" --chdir=/src \
      -E PATH=/usr/sbin:/usr/bin:/sbin:/bin -E CI="${CI:-}" /bin/bash -c "$1" \
      2> >(grep -v 'Attempted to remove disk file system under' >&2)
  else
    for m in proc sys dev; do mount --bind "/$m" "$run/$m"; done
    trap 'for m in proc sys dev; do umount -l "$run/$m" 2>/dev/null || true; done' EXIT
    chroot "$run" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CI="${CI:-}" /bin/bash -c "cd /src && $1"
  fi
}

step() { echo "test-bare: $*"; }

want=${target#deps-}
case "$want" in demo | test) ;; *) want=test ;; esac
step "1. as nobody, scripts/install-deps.sh $want must refuse and list the missing packages"
if out=$(inside "setpriv --reuid=65534 --regid=65534 --clear-groups bash scripts/install-deps.sh $want 2>&1"); then
  echo "test-bare: FAIL: the installer succeeded as nobody on a bare tree:" >&2; echo "$out" >&2; exit 1
fi
echo "$out" | sed 's/^/    /'
echo "$out" | grep -q "not installed" || { echo "test-bare: FAIL: no list of missing packages" >&2; exit 1; }

step "2. apt-get install make, then make $target (as root)"
start=$(date +%s)
inside "export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes; apt-get update -qq && apt-get install -y -qq --no-install-recommends make >/dev/null && make $target"
step "   make $target took $(($(date +%s) - start)) s"

case "$target" in
deps-demo | deps-test)
  step "3. make $target again: nothing to install, no output"
  out=$(inside "make -s $target 2>&1")
  [ -z "$out" ] || { echo "test-bare: FAIL: second run printed:" >&2; echo "$out" >&2; exit 1; }
  [ -x "$run/usr/sbin/policy-rc.d" ] || { echo "test-bare: FAIL: no policy-rc.d" >&2; exit 1; }
  ;;
esac
step "OK ($(du -sh "$run" | cut -f1) in $run)"
