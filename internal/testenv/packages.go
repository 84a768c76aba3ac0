package testenv

// Packages maps the commands tests look for to the Debian package that
// installs them, for skip messages. Every package named here is in the
// "test" set of scripts/install-deps.sh (TestPackagesInstalledByMakeTest),
// so `make test` installs whatever a test can ask for.
var Packages = map[string]string{
	"bird":            "bird2",
	"birdc":           "bird2",
	"chromium":        "chromium",
	"debootstrap":     "debootstrap",
	"dig":             "dnsutils",
	"dnsperf":         "dnsperf",
	"dpkg-deb":        "dpkg",
	"ethtool":         "ethtool",
	"faketime":        "faketime",
	"gpg":             "gnupg",
	"groff":           "groff",
	"ip":              "iproute2",
	"kdig":            "knot-dnsutils",
	"knotc":           "knot",
	"knotd":           "knot",
	"man":             "man-db",
	"mount":           "mount",
	"named-checkconf": "bind9-utils",
	"nft":             "nftables",
	"nsd":             "nsd",
	"nsenter":         "util-linux",
	"sysctl":          "procps",
	"systemd-analyze": "systemd",
	"systemd-nspawn":  "systemd-container",
	"taskset":         "util-linux",
	"umount":          "mount",
	"unshare":         "util-linux",
	"zsh":             "zsh",
}
