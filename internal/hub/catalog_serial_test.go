package hub

import (
	"log/slog"
	"testing"
	"time"

	"anycloud/internal/catalog"
	"anycloud/internal/zonever"
)

const testCatalog = "catalog.anycloud."

// TestCatalogSerialRules: which serial the catalog gets, case by case.
func TestCatalogSerialRules(t *testing.T) {
	const B = catalogSerialBase
	build := func(serial uint32, members ...string) *zonever.Version {
		v, err := catalog.Build(testCatalog, serial, members)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := uint32(time.Now().Unix())
	repl := &ReplicationConfig{}
	for _, tc := range []struct {
		name    string
		cur     *zonever.Version
		members []string
		cfg     Config
		built   uint64 // index of the catalog last published
		want    uint32
		publish bool
	}{
		{"single hub, same members", build(now-5, "a."), []string{"a."}, Config{}, 0, 0, false},
		{"single hub, new member: its clock", build(now-5, "a."), []string{"a.", "b."}, Config{}, 0, now, true},
		{"single hub, clock behind: +1", build(now+100, "a."), []string{"b."}, Config{}, 0, now + 101, true},
		{"single hub after replication: +1", build(B+7, "a."), []string{"b."}, Config{}, 0, B + 8, true},
		{"replicated, index not read yet", build(now-5, "a."), []string{"b."}, Config{Replication: repl}, 0, 0, false},
		{"replicated, first: base+index", nil, []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 9}, 0, B + 9, true},
		{"replicated, upgrade from the clock", build(now, "a."), []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 2}, 0, B + 2, true},
		{"replicated, written again, same members", build(B+9, "a."), []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 12}, 9, B + 12, true},
		{"replicated, nothing new", build(B+9, "a."), []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 9}, 9, 0, false},
		{"replicated, an older reload", build(B+12, "a.", "b."), []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 9}, 12, 0, false},
		{"replicated, hub.yaml changed the members", build(B+9, "a."), []string{"a.", "s."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 9}, 9, B + 10, true},
		{"replicated, restored floor", nil, []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 5, floorKnown: true, floor: B + 40, floorIndex: 3}, 0,
			B + 40 + catalogRestoreMargin + 2, true},
		{"replicated, clock-era floor ignored", nil, []string{"a."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: 5, floorKnown: true, floor: now, floorIndex: 3}, 0,
			B + 5, true},
		{"replicated, index past the wrap", build(uint32(B+(1<<32)-B-2), "a."), []string{"b."}, Config{Replication: repl, clientsIndexKnown: true, clientsIndex: (1 << 32) - B + 5}, (1 << 32) - B - 2,
			5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &Hub{log: slog.New(slog.DiscardHandler), catalogIndex: tc.built}
			got, publish := h.catalogSerial(tc.cur, tc.members, &tc.cfg)
			if publish != tc.publish || (publish && got != tc.want && !(tc.cfg.Replication == nil && tc.want == now && got >= now && got <= now+2)) {
				t.Fatalf("serial %d publish %v, want %d %v", got, publish, tc.want, tc.publish)
			}
			if publish && tc.cur != nil && !zonever.SerialNewer(got, tc.cur.Serial()) {
				t.Fatalf("serial %d is not newer than the current %d", got, tc.cur.Serial())
			}
		})
	}
}

// TestCatalogSerialBaseAboveClock: by RFC 1982 the base is newer than any
// clock-based serial from 2025 to 2065 (hubs upgraded in place), and so
// is base + index for any index below 8.8e8.
func TestCatalogSerialBaseAboveClock(t *testing.T) {
	for _, clock := range []uint32{1_735_689_600, 1_796_000_000, 2_147_483_648, 2_999_999_999} {
		for _, index := range []uint64{0, 1, 1_000_000, 880_000_000} {
			if s := uint32(catalogSerialBase + index); !zonever.SerialNewer(s, clock) {
				t.Errorf("base+%d = %d is not newer than the clock-based serial %d", index, s, clock)
			}
		}
	}
}
