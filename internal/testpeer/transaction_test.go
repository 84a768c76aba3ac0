package testpeer

import (
	"context"
	"net"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

const testSecret = "c2VjcmV0LW9mLXRoZS1jbGllbnQta2V5LTAxMjM0NTY3ODk="

// TestTransactIsIncremental checks that a zone transaction reaches a
// secondary the way a registry's change does: NOTIFY with the new serial,
// and an IXFR holding exactly the records the transaction changed.
func TestTransactIsIncremental(t *testing.T) {
	notified := listenNotify(t)
	p := StartPrimary(t, PrimaryOptions{Origin: "example.", ZoneText: ZoneText("example.", 1, 3600, 600, 86400, 3),
		KeyName: "k.", Algorithm: "hmac-sha256", Secret: testSecret, NotifyTo: notified.addr})
	edits := append(SetSerial(2, 3600, 600, 86400),
		Set("d3", 3600, "NS", "ns.d3"), Set("ns.d3", 3600, "A", "198.51.100.4"), Unset("ns.d0", "A", "198.51.100.1"))
	p.Transact(edits...)
	p.WaitSerial(2)
	deadline := time.After(10 * time.Second)
	for serial := uint32(0); serial != 2; { // the load at start notifies serial 1
		select {
		case serial = <-notified.serials:
		case <-deadline:
			t.Fatalf("no NOTIFY of serial 2 within 10s of the commit\n%s", p.Log())
		}
	}
	key, err := xfr.NewKey("k.", "hmac-sha256", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	c := xfr.Client{Key: key, Timeout: 5 * time.Second}
	soa := &dns.SOA{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET}, Serial: 1, Ns: "ns1.example.", Mbox: "hostmaster.example."}
	r, err := c.IXFR(context.Background(), p.Addr, soa)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != xfr.KindIXFR || len(r.Deltas) != 1 {
		t.Fatalf("got %s with %d deltas, want one incremental delta", r.Kind, len(r.Deltas))
	}
	d := r.Deltas[0]
	tests := []struct {
		name string
		got  []dns.RR
		want []string
	}{
		{"deleted", d.Deleted, []string{"ns.d0.example.\t3600\tIN\tA\t198.51.100.1"}},
		{"added", d.Added, []string{"d3.example.\t3600\tIN\tNS\tns.d3.example.", "ns.d3.example.\t3600\tIN\tA\t198.51.100.4"}},
	}
	for _, tc := range tests {
		var got []string
		for _, rr := range tc.got {
			got = append(got, rr.String())
		}
		sort.Strings(got)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}
	}
	if d.From.Serial != 1 || d.To.Serial != 2 {
		t.Errorf("delta %d -> %d, want 1 -> 2", d.From.Serial, d.To.Serial)
	}
}

type notifyListener struct {
	addr    string
	serials chan uint32
}

// listenNotify answers NOTIFY on a loopback port (UDP and TCP: Knot sends
// NOTIFY over TCP) and passes on the serial each carried.
func listenNotify(t *testing.T) *notifyListener {
	port := FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	l := &notifyListener{addr: addr, serials: make(chan uint32, 16)}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		if t := req.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
		}
		w.WriteMsg(m)
		for _, rr := range req.Answer {
			if soa, ok := rr.(*dns.SOA); ok {
				l.serials <- soa.Serial
			}
		}
	})
	for _, srv := range []*dns.Server{{PacketConn: pc}, {Listener: ln}} {
		srv.TsigSecret = map[string]string{"k.": testSecret}
		srv.MsgAcceptFunc = func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }
		srv.Handler = handler
		go srv.ActivateAndServe()
		t.Cleanup(func() { srv.Shutdown() })
	}
	return l
}
