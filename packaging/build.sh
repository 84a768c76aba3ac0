#!/bin/sh
# Builds the anycloud Debian packages into $DIST (default dist/):
# anycloud_VERSION_amd64.deb and anycloud_VERSION_arm64.deb, with nfpm
# (pinned below) fetched through the Go module proxy. Static binaries
# (CGO_ENABLED=0), so one build serves every Debian release.
#
# -buildvcs=auto overrides a GOFLAGS=-buildvcs=false so that `anycloud
# version` and version.bind name the commit.
#
# Environment: DIST, ARCHES ("amd64 arm64"), VERSION (git describe),
# DEB_VERSION (derived from VERSION), DEB_MAINTAINER, SOURCE_DATE_EPOCH.
set -eu

cd "$(dirname "$0")/.."
NFPM_VERSION=v2.45.0 # v2.46+ need modules the proxy here does not serve
DIST=${DIST:-dist}
ARCHES=${ARCHES:-"amd64 arm64"}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
DEB_MAINTAINER=${DEB_MAINTAINER:-"anycloud developers <anycloud-dev@example.org>"}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
BUILD_DIR=$DIST/build
export SOURCE_DATE_EPOCH DEB_MAINTAINER BUILD_DIR

# debVersion turns a git describe into a Debian version: v1.2.0-rc1 sorts
# before 1.2.0 (~), commits after a tag after it (+), and a tree without
# tags becomes 0.0.0+git.HASH.
debVersion() {
	case "$1" in
	v[0-9]*.* | [0-9]*.*) echo "$1" | sed -e 's/^v//' -e 's/-rc/~rc/' -e 's/-/+/g' ;;
	*) echo "0.0.0+git.$1" | sed -e 's/-/./g' ;;
	esac
}
DEB_VERSION=${DEB_VERSION:-$(debVersion "$VERSION")}
export DEB_VERSION

rm -rf "$BUILD_DIR" "$DIST"/anycloud_*.deb
mkdir -p "$BUILD_DIR"
GOBIN=$(cd "$DIST" && pwd)/tools go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"

for arch in $ARCHES; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -buildvcs=auto \
		-ldflags "-s -w -X main.version=$VERSION" -o "$BUILD_DIR/$arch/anycloud" ./cmd/anycloud
done

# Man pages and completions come from a binary that runs here.
host=$BUILD_DIR/host/anycloud
CGO_ENABLED=0 go build -trimpath -buildvcs=auto -ldflags "-X main.version=$VERSION" -o "$host" ./cmd/anycloud
"$host" manpage --dir "$BUILD_DIR/man"
gzip -9n "$BUILD_DIR"/man/*.1
mkdir -p "$BUILD_DIR/completion"
"$host" completion bash >"$BUILD_DIR/completion/anycloud.bash"
"$host" completion zsh >"$BUILD_DIR/completion/_anycloud"

# Examples without their throwaway TSIG secrets, so nobody deploys them.
mkdir -p "$BUILD_DIR/examples/keys"
cp examples/*.yaml "$BUILD_DIR/examples/"
cp -r examples/single-host "$BUILD_DIR/examples/"
cp -r examples/zones "$BUILD_DIR/examples/"
cp examples/keys/README.md "$BUILD_DIR/examples/keys/"

for arch in $ARCHES; do
	GOARCH=$arch "$DIST/tools/nfpm" pkg --config packaging/nfpm.yaml --packager deb --target "$DIST/"
done
ls -l "$DIST"/*.deb
