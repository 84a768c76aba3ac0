// Package packaging owns the Debian packages of anycloud: the nfpm
// configuration, the systemd units, the default configurations installed
// under /etc/anycloud, the maintainer scripts, build.sh, and the tests that
// build the packages, install them in a clean Debian tree and serve a zone
// from it. It holds no code the binary uses and must never be imported.
package packaging
