package hub

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/zonever"
)

// TestGateRefusesGrowth: a client's zone growing past the growth factor or
// past the client's records is refused with a reason naming the key and
// the command, the old version stays in service, and an operator's
// retransfer accepts growth once but never more than the client's maximum.
// A client's own limits replace the hub's.
func TestGateRefusesGrowth(t *testing.T) {
	cases := []struct {
		name          string
		limits        string // hub.yaml limits: section
		clientLimits  string // the client's own limits:
		check         string // "" accepted at once
		want          []string
		retransferred uint32 // serial in service after an operator's retransfer
	}{
		{"growth", "limits: {max-growth: 10}", "", "growth",
			[]string{"12005 records against 45 in service", "more than the 10 allowed", "limits.max-growth", "'anycloud hub retransfer example'"}, 2},
		{"client records", "limits: {max-client-records: 5000}", "", "size",
			[]string{"client example would hold 12005 records", "more than the 5000 allowed", "limits.max-client-records", "limits.max-records", "anycloud hub reload"}, 1},
		{"client's own records", "limits: {max-client-records: 5000}", "{max-records: 20000, max-growth: 1000}", "", nil, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			hubPort := testpeer.FreePort(t)
			knot := testpeer.StartPrimary(t, primaryOpts(hubPort, testpeer.ZoneText("example.", 1, 3600, 600, 86400, 20)))
			yaml := hubYAML(hubPort, dir, []string{knot.Addr}, c.limits)
			if c.clientLimits != "" {
				yaml = strings.Replace(yaml, "    tsig: {name: client-key.", "    limits: "+c.clientLimits+"\n    tsig: {name: client-key.", 1)
			}
			th := startHub(t, dir, hubPort, yaml)
			th.waitSerial(t, "example.", 1, 10*time.Second)

			knot.WriteZone(testpeer.ZoneText("example.", 2, 3600, 600, 86400, 6000)) // 267 times the records
			knot.Reload()
			knot.WaitSerial(2)
			st := th.checkNow(t, "example.")
			if c.check == "" {
				th.waitSerial(t, "example.", 2, 10*time.Second)
				return
			}
			assertKept(t, th, 1, st, c.want...)
			if st.LastRejection == nil || st.LastRejection.Check != c.check {
				t.Fatalf("rejection %+v, want check %q", st.LastRejection, c.check)
			}

			if err := th.Retransfer("example.", false); err != nil {
				t.Fatal(err)
			}
			th.waitOutcome(t, "example.", st.Rejected, c.retransferred)
		})
	}
}

// waitOutcome waits until origin serves serial, newer than the one in
// service, or, when serial is 1 (the first), until one more version was
// rejected and 1 is still served.
func (th *testHub) waitOutcome(t *testing.T, origin string, rejected int, serial uint32) {
	t.Helper()
	if serial != 1 {
		th.waitSerial(t, origin, serial, 15*time.Second)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if st, _ := th.ZoneStatus(origin); st.Rejected > rejected {
			if v := th.Current(origin); v == nil || v.Serial() != 1 {
				t.Fatalf("version in service after the retransfer: %v, want serial 1", v)
			}
			t.Logf("retransfer refused: %s", st.LastRejection.Reason)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("retransfer of %s neither refused nor accepted in 15s\n%s", origin, th.logs.String())
}

func parseZone(tb testing.TB, origin, text string) *zonever.Version {
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	v, err := zonever.New(origin, rrs)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestSizePolicyCountsClientZones: the gate's bound for a zone counts what
// the client's other zones hold, and never another client's.
func TestSizePolicyCountsClientZones(t *testing.T) {
	h := &Hub{zones: map[string]*servedZone{}}
	serve := func(origin string, hosts int) *zonever.Version {
		v := parseZone(t, origin, testpeer.ZoneText(origin, 1, 3600, 600, 86400, hosts))
		z := &servedZone{origin: origin}
		z.cur.Store(&content{version: v})
		h.zones[origin] = z
		return v
	}
	a, b := serve("a.example.", 10), serve("b.example.", 20)
	serve("other.example.", 500)
	c := Client{Name: "ab", Zones: []string{"a.example.", "b.example.", "c.example."}, Size: SizeLimits{MaxRecords: 7, MaxBytes: 8 << 20, MaxGrowth: 3}}
	cases := []struct {
		origin  string
		records int
		bytes   int64
	}{
		{"a.example.", b.Len(), b.WireBytes()},
		{"b.example.", a.Len(), a.WireBytes()},
		{"c.example.", a.Len() + b.Len(), a.WireBytes() + b.WireBytes()},
	}
	for _, tt := range cases {
		s := h.sizePolicy(tt.origin, c, true)
		if s.OtherRecords != tt.records || s.OtherBytes != tt.bytes || s.MaxRecords != 7 || s.MaxBytes != 8<<20 || s.MaxGrowth != 3 || !s.AcceptGrowth || s.Client != "ab" {
			t.Errorf("%s: %+v, want others %d records %d bytes", tt.origin, s, tt.records, tt.bytes)
		}
	}
}
