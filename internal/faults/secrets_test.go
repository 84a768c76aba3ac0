package faults

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anycloud/internal/testpeer"
)

// TestSecretsNotInLogs: a hub whose primary has another key than the one
// configured (BADSIG), then the right one, logging at debug level, never
// writes either secret, in base64 or decoded, to its log. The lab test
// (TestLab/faults/secrets-not-in-logs) does the same over every log of a
// whole cloud.
func TestSecretsNotInLogs(t *testing.T) {
	const otherSecret = "b3RoZXItc2VjcmV0LW9mLXRoZS1wcmltYXJ5LTAxMjM0NTY3ODk="
	dir := t.TempDir()
	hubAddr := testpeer.FreeAddr(t)
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 1, 1, 1, 3600, 3),
		KeyName: clientKeyName, Algorithm: "hmac-sha256", Secret: otherSecret, NotifyTo: hubAddr})
	h := startHubIn(t, dir, hubConfig(hubAddr, filepath.Join(dir, "storage"), primary.Addr, testpeer.FreeAddr(t), ""))
	msg := h.waitError(t, "TSIG", 10*time.Second)
	t.Logf("wrong key: %s", msg)
	h.stop()

	primary.Stop()
	right := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: testpeer.ZoneText("example.", 2, 1, 1, 3600, 3),
		KeyName: clientKeyName, Algorithm: "hmac-sha256", Secret: clientSecret, NotifyTo: hubAddr})
	h2 := startHubIn(t, dir, hubConfig(hubAddr, filepath.Join(dir, "storage"), right.Addr, testpeer.FreeAddr(t), ""))
	h2.waitServing(t, 2, 10*time.Second)
	h2.stop()

	logs := h.logs.String() + h2.logs.String()
	if !strings.Contains(logs, clientKeyName) {
		t.Fatalf("the logs do not even name the key; nothing was logged?\n%s", logs)
	}
	for _, secret := range []string{otherSecret, clientSecret, nodeSecret} {
		raw, _ := base64.StdEncoding.DecodeString(secret)
		for _, form := range []string{secret, secret[:16], string(raw)} {
			if strings.Contains(logs, form) {
				t.Errorf("a secret (%s...) is in the hub's log", secret[:6])
			}
		}
	}
	t.Logf("%d lines of debug log searched for 3 secrets: none found", strings.Count(logs, "\n"))
}
