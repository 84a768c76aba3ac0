package control

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// TestControlRequests: the operator's requests of `anycloud hub status |
// retransfer | reload` through the control endpoint with the token: a
// forced retransfer accepts a serial that went back, an unknown zone is
// refused with the reason, the status shows the serial, a reload answers,
// and a wrong token file is refused before anything is sent.
func TestControlRequests(t *testing.T) {
	dir := t.TempDir()
	port, control := testpeer.FreePort(t), fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 5, 3600, 600, 86400, 20),
		KeyName: "client-key.", Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: fmt.Sprintf("127.0.0.1:%d", port)})
	th := startHub(t, dir, port, fmt.Sprintf(`listen: ["127.0.0.1:%d"]
control: %s
storage: %s
catalog: catalog.anycloud.
timeouts: {transfer: 2s, min-refresh: 1s}
clients:
  - name: example
    zones: [example.]
    primaries: [%q]
    tsig: {name: client-key., algorithm: hmac-sha256, secret-file: client.key}
`, port, control, filepath.Join(dir, "storage"), primary.Addr))
	th.waitSerial(t, "example.", 5, 10*time.Second)
	primary.WriteZone(testpeer.ZoneText("example.", 4, 3600, 600, 86400, 20))
	primary.Restart()
	token := TokenFile(th.Config())
	for _, tc := range []struct {
		what, zone  string
		acceptOlder bool
		want        string // in the answer, or in the error when wantErr
		wantErr     bool
	}{
		{what: "retransfer", zone: "example", acceptOlder: true, want: "retransfer started"},
		{what: "retransfer", zone: "nosuch.", want: "not a client zone", wantErr: true},
		{what: "reload", want: "configuration reloaded"},
		{what: "frobnicate", want: "unknown control request", wantErr: true},
	} {
		out, err := Request(control, token, tc.what, tc.zone, tc.acceptOlder)
		got := out
		if err != nil {
			got = err.Error()
		}
		if (err != nil) != tc.wantErr || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: %q (%v), want %q", tc.what, tc.zone, out, err, tc.want)
		}
	}
	th.waitSerial(t, "example.", 4, 10*time.Second)
	status, err := Request(control, token, "status", "", false)
	if err != nil || !strings.Contains(status, `"serial": 4`) {
		t.Fatalf("status: %v\n%s", err, status)
	}
	if _, err := Request(control, filepath.Join(dir, "no-such.token"), "status", "", false); err == nil {
		t.Error("a missing token file was not refused")
	}
}
