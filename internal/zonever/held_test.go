package zonever

import (
	"testing"

	"github.com/miekg/dns"
)

// TestHeldApply: a version held by its snapshot alone takes the same deltas
// as one holding its records, ends with the same records, and refuses the
// same bad deltas.
func TestHeldApply(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
	}{
		{"add a delegation with glue", zoneText("1", "a 60 A 192.0.2.2\n"), zoneText("2", "a 60 A 192.0.2.2\nd 60 NS ns.d\nns.d 60 A 192.0.2.9\n")},
		{"delete one", zoneText("1", "a 60 A 192.0.2.2\nb 60 A 192.0.2.3\n"), zoneText("2", "b 60 A 192.0.2.3\n")},
		{"TTL change", zoneText("1", "a 60 A 192.0.2.2\n"), zoneText("2", "a 120 A 192.0.2.2\n")},
		{"rdata change", zoneText("1", "a 60 TXT \"x\"\n"), zoneText("2", "a 60 TXT \"y\"\n")},
		{"only the SOA", zoneText("1", "a 60 A 192.0.2.2\n"), zoneText("2", "a 60 A 192.0.2.2\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old, nw := parse(t, tc.old), parse(t, tc.new)
			held := heldOf(t, old)
			if held.RRs != nil || !held.IsHeld() || held.Len() != old.Len() || held.Serial() != 1 {
				t.Fatalf("held version: RRs %v, held %v, len %d (want %d), serial %d", held.RRs != nil, held.IsHeld(), held.Len(), old.Len(), held.Serial())
			}
			d := []Delta{Diff(old, nw)}
			want, err := Apply(old, d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Apply(held, d)
			if err != nil {
				t.Fatal(err)
			}
			if !got.IsHeld() || got.Serial() != 2 || got.Len() != want.Len() {
				t.Fatalf("held result: held %v, serial %d, len %d (want %d)", got.IsHeld(), got.Serial(), got.Len(), want.Len())
			}
			if texts(eachOf(got)) != texts(want.RRs) {
				t.Errorf("held apply:\n%s\nfull apply:\n%s", texts(eachOf(got)), texts(want.RRs))
			}
			if first := eachOf(got)[0]; first != d[0].To {
				t.Errorf("first record %v, want the transferred SOA", first)
			}
		})
	}
}

func TestHeldApplyRefuses(t *testing.T) {
	old := parse(t, zoneText("1", "a 60 A 192.0.2.2\n"))
	held := heldOf(t, old)
	missing, _ := dns.NewRR("b.example. 60 A 192.0.2.3")
	two := parse(t, zoneText("2", "")).SOA()
	three := parse(t, zoneText("3", "")).SOA()
	tests := []struct {
		name  string
		delta Delta
	}{
		{"deletes a missing record", Delta{From: old.SOA(), To: two, Deleted: []dns.RR{missing}}},
		{"starts at another serial", Delta{From: two, To: three}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Apply(old, []Delta{tc.delta}); err == nil {
				t.Error("full apply took it")
			}
			if _, err := Apply(held, []Delta{tc.delta}); err == nil {
				t.Error("held apply took it")
			}
		})
	}
}

func heldOf(t *testing.T, v *Version) *Version {
	t.Helper()
	if v.Held() != v {
		t.Fatal("a version without a snapshot cannot be held")
	}
	if _, err := v.Snapshot(nil, nil); err != nil {
		t.Fatal(err)
	}
	return v.Held()
}

func eachOf(v *Version) []dns.RR {
	var out []dns.RR
	v.Each(func(rr dns.RR) error {
		out = append(out, rr)
		return nil
	})
	return out
}
