package onboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testpeer"
	"anycloud/internal/xfr"
)

// TestExplainTSIG: each TSIG failure a client's primary can answer comes
// out as a sentence that says what differs and what to check.
func TestExplainTSIG(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&xfr.TSIGError{Server: "192.0.2.1:53", Key: "sv-anycloud.", Code: dns.RcodeBadKey},
			[]string{"BADKEY", "does not know key \"sv-anycloud.\"", "transfer ACL does not list the hub's address"}},
		{&xfr.TSIGError{Server: "192.0.2.1:53", Key: "sv-anycloud.", Code: dns.RcodeBadSig},
			[]string{"BADSIG", "the secrets differ"}},
		{&xfr.TSIGError{Server: "192.0.2.1:53", Key: "sv-anycloud.", Code: dns.RcodeBadTime, Skew: 10 * time.Minute},
			[]string{"BADTIME", "clock is 10m0s ahead of ours", "check NTP"}},
		{&xfr.TSIGError{Server: "192.0.2.1:53", Key: "sv-anycloud.", Code: dns.RcodeBadTime, Skew: -time.Hour},
			[]string{"BADTIME", "1h0m0s behind ours"}},
		{&xfr.TSIGError{Server: "192.0.2.1:53", Key: "sv-anycloud."},
			[]string{"not TSIG-signed", "does not have the key"}},
		{fmt.Errorf("transfer: %w", &xfr.TSIGError{Server: "192.0.2.1:53", Key: "k.", Code: dns.RcodeBadKey}),
			[]string{"BADKEY", "ACL"}},
		{errors.New("no answer from 192.0.2.1:53 in time"), []string{"no answer"}},
	} {
		got := Explain(tc.err)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain(%v) = %q, lacks %q", tc.err, got, w)
			}
		}
	}
}

// TestReportTable: a report prints as a target x check table, "-" where a
// check does not apply, then the evidence for each failure.
func TestReportTable(t *testing.T) {
	r := newReport("sv.", StepResolve)
	r.add("node-a 192.0.2.1:53", "soa-udp", true, "authoritative, serial 5")
	r.add("node-a 192.0.2.1:53", "referral-512", true, "fits")
	r.add("node-b 192.0.2.2:53", "soa-udp", false, "serial 4, the primary has 5")
	r.add("node-b 192.0.2.2:53", "soa-udp", true, "a second run that passed does not hide the failure")
	r.finish(time.Now())
	r.Took = "1ms"
	var b bytes.Buffer
	r.WriteText(&b)
	golden(t, "testdata/report_table.golden", b.String())
}

func TestReportSummary(t *testing.T) {
	pass := newReport("sv.", StepTransfer)
	pass.add("primary 192.0.2.1:53", "axfr", true, "AXFR serial 5")
	pass.add("primary 192.0.2.1:53", "tsig", true, "signed")
	pass.fact("serial", "5")
	pass.fact("records", "120")
	pass.fact("size", "3434 bytes")
	pass.fact("duration", "12ms")
	pass.finish(time.Now())
	sync := newReport("sv.", StepSync)
	sync.add("node-a", "serial", true, "serves serial 5")
	sync.add("node-b", "serial", true, "serves serial 5")
	sync.fact("primary_serial", "5")
	sync.finish(time.Now())
	fail := newReport("sv.", StepSync)
	fail.add("node-a", "serial", false, "serves serial 4, the primary has 5 (stale)")
	fail.finish(time.Now())
	for r, want := range map[*Report]string{
		pass: "serial 5, 120 records, 3434 bytes in 12ms; 2 checks on 1 target passed",
		sync: "2 checks on 2 targets passed at serial 5",
		fail: "node-a: serial: serves serial 4, the primary has 5 (stale)",
	} {
		if got := r.Summary(); got != want {
			t.Errorf("Summary() = %q, want %q", got, want)
		}
	}
}

// misconfigured is a name server that does what the resolution trial must
// catch: it recurses for anyone (RA and an answer for any name outside
// the zone), truncates every UDP answer in the zone and refuses TCP.
func misconfigured(t *testing.T, zone string) string {
	t.Helper()
	// The UDP port the kernel picks may be taken in TCP by another test
	// process: a few tries, bounded.
	var pc net.PacketConn
	var ln net.Listener
	for try := 0; ; try++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			t.Fatal(err)
		}
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.RecursionAvailable = true
		q := req.Question[0]
		switch {
		case !dns.IsSubDomain(zone, q.Name):
			rr, _ := dns.NewRR(q.Name + " 60 IN A 192.0.2.99")
			m.Answer = append(m.Answer, rr)
		case w.RemoteAddr().Network() == "tcp":
			m.Rcode = dns.RcodeRefused
		default:
			m.Authoritative, m.Truncated = true, true
		}
		w.WriteMsg(m)
	})
	udp, tcp := &dns.Server{PacketConn: pc, Handler: handler}, &dns.Server{Listener: ln, Handler: handler}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return pc.LocalAddr().String()
}

// TestResolveCatchesMisconfiguredServer: open recursion, a truncated
// referral and a dead TCP each fail their check with the evidence.
func TestResolveCatchesMisconfiguredServer(t *testing.T) {
	text := testpeer.ZoneText("example.", 5, 3600, 600, 86400, 20)
	primary := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: text})
	bad := misconfigured(t, "example.")
	r := RunResolve(context.Background(), ResolveTrial{Zone: "example.", Primary: primary.Addr, Targets: []Target{{Name: "node-bad", Addr: bad}},
		Version: parseVersion(t, text), Timeout: time.Second})
	if r.Pass {
		t.Fatalf("a misconfigured server passed: %+v", r)
	}
	want := map[string]string{
		"no-recursion": "open recursion: RA=true and 1 answer records",
		"referral-512": "referral truncated (TC) in 512 bytes",
		"soa-tcp":      "answered REFUSED instead of the SOA",
		"soa-udp":      "answer holds no SOA",
	}
	for _, c := range r.Checks {
		if w, ok := want[c.Name]; ok {
			if c.Pass || !strings.Contains(c.Detail, w) {
				t.Errorf("%s: pass=%v %q, want failure %q", c.Name, c.Pass, c.Detail, w)
			}
			delete(want, c.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("checks not run: %v", want)
	}
}

// TestTransferTrialSaysWhyTheGateWouldReject: a primary that transfers
// fine but serves a zone the hub would not accept (a DNSKEY without any
// signature: a signer that stopped) fails the trial at the gate, with the
// gate's reason; the TSIG and transfer checks themselves pass.
func TestTransferTrialSaysWhyTheGateWouldReject(t *testing.T) {
	key, _ := NewKey("example.")
	text := testpeer.ZoneText("example.", 9, 3600, 600, 86400, 10) +
		"example. 3600 DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"
	p := testpeer.StartPrimary(t, testpeer.PrimaryOptions{Origin: "example.", ZoneText: text, KeyName: key.Name, Algorithm: "hmac-sha256", Secret: key.Secret})
	r := RunTransfer(context.Background(), TransferTrial{Zone: "example.", Primaries: []string{p.Addr}, Key: key, Timeout: 2 * time.Second})
	verdicts := map[string]bool{}
	for _, c := range r.Checks {
		verdicts[c.Name] = c.Pass
	}
	if r.Pass || !verdicts["axfr"] || !verdicts["tsig"] || verdicts["gate"] ||
		!strings.Contains(r.Reason, "the hub would reject this version") || !strings.Contains(r.Reason, "DNSKEY but no RRSIG") {
		t.Errorf("unsigned DNSKEY: pass=%v checks %v reason %q", r.Pass, verdicts, r.Reason)
	}
	if r.Facts["serial"] != "9" || r.Facts["records"] == "" || r.Facts["size"] == "" {
		t.Errorf("facts %v", r.Facts)
	}
}
