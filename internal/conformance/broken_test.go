package conformance

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"anycloud/internal/peerconf"
	"anycloud/internal/testenv"
	"anycloud/internal/testpeer"
)

// brokenZones maps each file under testdata/broken (origin broken.test.)
// to a pattern its load error must match. A syntax error must name the file
// and the line as "file:line" (the zone package's contract; Knot and NSD
// both give the line too). An error found after parsing (bad DS digest,
// out-of-zone owner, two SOAs, CNAME and other data, no SOA) must name the
// file and the offending owner or record type: the parser gives no line
// for those.
var brokenZones = []struct {
	file string
	want string // regexp
}{
	{"bad-address.zone", `bad-address\.zone:5\b`},
	{"bad-hex.zone", `bad-hex\.zone.*www\.broken\.test`},
	{"bad-mx-preference.zone", `bad-mx-preference\.zone:5\b`},
	{"bad-ttl.zone", `bad-ttl\.zone:2\b`},
	{"unknown-type.zone", `unknown-type\.zone:5\b`},
	{"unterminated-string.zone", `unterminated-string\.zone:5\b`},
	{"unbalanced-paren.zone", `unbalanced-paren\.zone:\d+`},
	{"missing-include.zone", `missing-include\.zone:5\b`},
	{"out-of-zone.zone", `out-of-zone\.zone.*www\.example\.net`},
	{"two-soa.zone", `two-soa\.zone.*SOA`},
	{"cname-and-other.zone", `cname-and-other\.zone.*www\.broken\.test.*CNAME`},
	{"no-soa.zone", `no-soa\.zone.*(?i:soa)|(?i:soa).*no-soa\.zone`},
}

// TestServeRejectsBrokenZones checks that `anycloud serve` refuses to start
// on a broken zone file and says where the problem is.
func TestServeRejectsBrokenZones(t *testing.T) {
	for _, tc := range brokenZones {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "broken", tc.file)
			listen := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
			zone := []peerconf.Zone{{Origin: "broken.test.", File: path}}
			s := runAnycloud(t, serveArgs([]string{listen}, zone, identity)...)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				t.Fatalf("anycloud serve still running 10 s after start with %s; want it to refuse the zone\noutput:\n%s", path, s.output.String())
			}
			if s.cmd.ProcessState.Success() {
				t.Errorf("anycloud serve exited 0 with %s; want a failure", path)
			}
			if !regexp.MustCompile(tc.want).MatchString(s.output.String()) {
				t.Errorf("error output does not match %q:\n%s", tc.want, s.output.String())
			}
		})
	}
}

// TestServeListensOnEveryAddress starts anycloud on 127.0.0.1 and ::1 at
// once, as the serve command line allows, and asks both.
func TestServeListensOnEveryAddress(t *testing.T) {
	port := testpeer.FreePort(t)
	v6 := fmt.Sprintf("[::1]:%d", port)
	if !loopbackV6Usable(v6) {
		testenv.Skip(t, "no usable ::1 on this machine")
	}
	s := startAnycloud(t, zones[:1], v6)
	for _, addr := range []string{s.Addr, v6} {
		if err := testpeer.WaitSOA(addr, "sv.", 5*time.Second); err != nil {
			t.Errorf("listen address %s: %v", addr, err)
		}
	}
}
