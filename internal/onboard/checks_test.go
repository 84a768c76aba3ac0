package onboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/zonever"
)

// TestSyncAndResolveAgainstKnot: a primary at serial 5, one "node" (a
// second Knot) serving the same serial and another stuck at serial 4. Sync
// and resolution pass for the first and fail for the stale one, saying it
// is stale and where the answers differ.
func TestSyncAndResolveAgainstKnot(t *testing.T) {
	text := func(serial uint32) string { return testpeer.ZoneText("example.", serial, 3600, 600, 86400, 20) }
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: text(5)})
	good := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: text(5)})
	stale := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: text(4)})
	ctx := context.Background()
	nodes := []Target{{Name: "node-good", Addr: good.Addr}}

	r := RunSync(ctx, SyncCheck{Zone: "example.", Primaries: []string{primary.Addr}, Nodes: nodes, Timeout: time.Second})
	if !r.Pass {
		t.Fatalf("sync with a node in step: %+v", r)
	}
	v := parseVersion(t, text(5))
	r = RunResolve(ctx, ResolveTrial{Zone: "example.", Primary: primary.Addr, Targets: nodes, Version: v, Timeout: time.Second})
	if !r.Pass {
		t.Fatalf("resolve with a node in step: %+v", r)
	}
	if len(r.Checks) < 6 {
		t.Errorf("only %d checks: %+v", len(r.Checks), r.Checks)
	}

	nodes = append(nodes, Target{Name: "node-stale", Addr: stale.Addr})
	r = RunSync(ctx, SyncCheck{Zone: "example.", Primaries: []string{primary.Addr}, Nodes: nodes, Timeout: time.Second})
	if r.Pass || !strings.Contains(r.Reason, "node-stale") || !strings.Contains(r.Reason, "serves serial 4, the primary has 5 (stale)") {
		t.Errorf("sync with a stale node: pass=%v reason %q", r.Pass, r.Reason)
	}
	r = RunResolve(ctx, ResolveTrial{Zone: "example.", Primary: primary.Addr, Targets: nodes, Version: v, Timeout: time.Second})
	if r.Pass || !strings.Contains(r.Reason, "node-stale") || !strings.Contains(r.Reason, "serial 4, the primary has 5") {
		t.Errorf("resolve with a stale node: pass=%v reason %q", r.Pass, r.Reason)
	}
}

func parseVersion(t *testing.T, text string) *zonever.Version {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	v, err := zonever.New("example.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
