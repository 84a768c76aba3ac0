package zonever

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func parse(t *testing.T, text string) *Version {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "example.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if zp.Err() != nil {
		t.Fatal(zp.Err())
	}
	v, err := New("example.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const base = "example. 60 SOA ns admin %s 1 1 1 1\nexample. 60 NS ns\nns 60 A 192.0.2.1\n"

func zoneText(serial, extra string) string { return strings.Replace(base, "%s", serial, 1) + extra }

func TestDiffApply(t *testing.T) {
	tests := []struct {
		name          string
		old, new      string
		added, delete int
	}{
		{"add one", zoneText("1", ""), zoneText("2", "a 60 A 192.0.2.2\n"), 1, 0},
		{"delete one", zoneText("1", "a 60 A 192.0.2.2\n"), zoneText("2", ""), 0, 1},
		{"TTL change is a change", zoneText("1", "a 60 A 192.0.2.2\n"), zoneText("2", "a 120 A 192.0.2.2\n"), 1, 1},
		{"owner case is not", zoneText("1", "a 60 A 192.0.2.2\n"), zoneText("2", "A 60 A 192.0.2.2\n"), 0, 0},
		{"replace rdata", zoneText("1", "a 60 TXT \"x\"\n"), zoneText("2", "a 60 TXT \"y\"\n"), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, nw := parse(t, tt.old), parse(t, tt.new)
			d := Diff(old, nw)
			if len(d.Added) != tt.added || len(d.Deleted) != tt.delete {
				t.Fatalf("added %d deleted %d, want %d %d", len(d.Added), len(d.Deleted), tt.added, tt.delete)
			}
			got, err := Apply(old, []Delta{d})
			if err != nil {
				t.Fatal(err)
			}
			if len(Diff(got, nw).Added)+len(Diff(got, nw).Deleted) != 0 || got.Serial() != nw.Serial() {
				t.Fatal("applying the diff does not give the new version")
			}
		})
	}
}

func TestApplyRefusesWrongBase(t *testing.T) {
	v1, v2, v3 := parse(t, zoneText("1", "")), parse(t, zoneText("2", "a 60 A 192.0.2.2\n")), parse(t, zoneText("3", ""))
	if _, err := Apply(v1, []Delta{Diff(v2, v3)}); err == nil {
		t.Fatal("a delta from serial 2 applied to serial 1")
	}
	missing := Delta{From: v1.SOA(), To: v2.SOA(), Deleted: parse(t, zoneText("9", "zz 60 A 192.0.2.9\n")).RRs[3:]}
	if _, err := Apply(v1, []Delta{missing}); err == nil {
		t.Fatal("deleting a missing record applied")
	}
}

func TestJournal(t *testing.T) {
	v := []*Version{parse(t, zoneText("1", "")), parse(t, zoneText("2", "a 60 A 192.0.2.2\n")), parse(t, zoneText("3", "b 60 A 192.0.2.2\n")), parse(t, zoneText("4", ""))}
	var j *Journal
	for i := 1; i < len(v); i++ {
		j = j.Append(Diff(v[i-1], v[i]), 2, 1000)
	}
	if _, ok := j.Since(1); ok {
		t.Error("journal kept more than 2 deltas")
	}
	ds, ok := j.Since(2)
	if !ok || len(ds) != 2 {
		t.Fatalf("Since(2) = %d deltas, %v", len(ds), ok)
	}
	got, err := Apply(v[1], ds)
	if err != nil || got.Serial() != 4 || got.Len() != v[3].Len() {
		t.Fatalf("replay: %v %v", got, err)
	}
	back, err := ParseDeltas(Flatten(ds))
	if err != nil || len(back) != 2 {
		t.Fatalf("flatten/parse round trip: %v %v", back, err)
	}
}

func TestSerialNewer(t *testing.T) {
	tests := []struct {
		a, b uint32
		want bool
	}{{2, 1, true}, {1, 2, false}, {1, 1, false}, {0, 4294967295, true}, {1 << 31, 0, false}, {1<<31 - 1, 0, true}}
	for _, tt := range tests {
		if got := SerialNewer(tt.a, tt.b); got != tt.want {
			t.Errorf("SerialNewer(%d, %d) = %v", tt.a, tt.b, got)
		}
	}
}
