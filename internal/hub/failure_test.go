package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// checkNow triggers a SOA check of origin and waits for its outcome.
func (th *testHub) checkNow(t *testing.T, origin string) ZoneStatus {
	t.Helper()
	z := th.lookup(origin)
	before := time.Now()
	z.sec.Notify()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		st, _ := th.ZoneStatus(origin)
		if st.Refresh.LastCheck.After(before) {
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no check of %s finished in 15s\n%s", origin, th.logs.String())
	return ZoneStatus{}
}

// failureSetup runs Knot with serial 1 and a hub that accepted it.
func failureSetup(t *testing.T) (*testHub, *testpeer.Primary) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	return th, knot
}

// reloadWith rewrites the hub's config through edit and reloads it.
func (th *testHub) reloadWith(t *testing.T, edit func(string) string) {
	t.Helper()
	path := filepath.Join(th.dir, "hub.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(edit(string(data))), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := th.ReloadFile(); err != nil {
		t.Fatal(err)
	}
}

func assertKept(t *testing.T, th *testHub, serial uint32, st ZoneStatus, wantReason ...string) {
	t.Helper()
	if v := th.Current("example."); v == nil || v.Serial() != serial {
		t.Fatalf("version in service changed: %v", v)
	}
	text := st.Refresh.LastError
	if st.LastRejection != nil {
		text += " " + st.LastRejection.Reason
	}
	t.Logf("reason shown: %s", text)
	for _, w := range wantReason {
		if !strings.Contains(text, w) {
			t.Errorf("status does not explain the failure: want %q in %q", w, text)
		}
	}
}

func TestFailureWrongTSIGSecret(t *testing.T) {
	th, knot := failureSetup(t)
	os.WriteFile(filepath.Join(th.dir, "wrong.key"), []byte("d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE="), 0o600)
	th.reloadWith(t, func(s string) string {
		return strings.Replace(s, "secret-file: client.key", "secret-file: wrong.key", 1)
	})
	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 21))
	knot.Reload()
	knot.WaitSerial(2)
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "BADSIG", "secrets differ")
}

func TestFailureUnknownTSIGKeyName(t *testing.T) {
	th, knot := failureSetup(t)
	th.reloadWith(t, func(s string) string { return strings.Replace(s, "name: client-key.", "name: other-key.", 1) })
	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 21))
	knot.Reload()
	knot.WaitSerial(2)
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "BADKEY", "other-key.")
}

func TestFailurePrimaryDown(t *testing.T) {
	th, knot := failureSetup(t)
	knot.Stop()
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "refused the connection", knot.Addr)
}

func TestFailureOlderSerialThenOperatorForce(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	knot.Stop()
	older := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 0, 3600, 600, 86400, 20),
		KeyName: "client-key.", Algorithm: "hmac-sha256", Secret: clientSecret, Port: knot.Port})
	_ = older
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "serial 0, older than 1", "--accept-older")

	// The operator accepts the older serial on purpose, as 'anycloud hub
	// retransfer example --accept-older' does (through the control API,
	// internal/control's TestControlRequests).
	if err := th.Retransfer("example", true); err != nil {
		t.Fatal(err)
	}
	th.waitSerial(t, "example.", 0, 10*time.Second)
	if err := th.Retransfer("nosuch.", false); err == nil || !strings.Contains(err.Error(), "not a client zone") {
		t.Fatalf("retransfer of an unknown zone: %v", err)
	}
}

func TestFailureGateShrink(t *testing.T) {
	th, knot := failureSetup(t)
	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 2))
	knot.Reload()
	knot.WaitSerial(2)
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "lost", "truncated zone?")
	if st.Rejected < 1 || st.LastRejection == nil || st.LastRejection.Check != "shrink" {
		t.Fatalf("rejection not recorded: %+v", st)
	}
	kept, err := os.ReadFile(st.LastRejection.File)
	if err != nil || !strings.HasPrefix(string(kept), "; rejected: shrink:") {
		t.Fatalf("rejected version not kept for inspection: %v %.80q", err, kept)
	}
}

func TestFailureGateNoApexNS(t *testing.T) {
	th, knot := failureSetup(t)
	text := testpeer.ZoneText("example.", 2, 3600, 600, 86400, 20)
	text = strings.Replace(strings.Replace(text, "@ IN NS ns1\n", "", 1), "@ IN NS ns2\n", "", 1)
	knot.WriteZone(text)
	knot.Reload()
	knot.WaitSerial(2)
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "no NS record at the apex")
}

// TestPrimariesTriedInTurn: with the first primary down, the second one
// serves, and the status names the one that answered.
func TestPrimariesTriedInTurn(t *testing.T) {
	dir := t.TempDir()
	hubPort := testpeer.FreePort(t)
	dead := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 5)))
	th := startHub(t, dir, hubPort, hubYAML(hubPort, dir, []string{dead, knot.Addr}, ""))
	th.waitSerial(t, "example.", 1, 10*time.Second)
	st, _ := th.ZoneStatus("example.")
	if st.Refresh.LastServer != knot.Addr {
		t.Fatalf("last server %q, want %q", st.Refresh.LastServer, knot.Addr)
	}
}

// TestFailureGateEngineRefuses: a version the serving engine would refuse
// (an NSEC3PARAM without an NSEC3 chain, which Knot serves with its
// semantic checks off) is refused at the hub, reason visible.
func TestFailureGateEngineRefuses(t *testing.T) {
	th, knot := failureSetup(t)
	knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 20) + "@ IN NSEC3PARAM 1 0 0 -\n")
	knot.Reload()
	knot.WaitSerial(2)
	st := th.checkNow(t, "example.")
	assertKept(t, th, 1, st, "serving engine refuses", "NSEC3PARAM present but no NSEC3 records")
}
