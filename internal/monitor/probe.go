package monitor

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/bearer"
)

// ProbeAnycast asks each target ("ADDR" or "ADDR:PORT") over each transport
// which node answers: "id.server. CH TXT" with an NSID option, the way
// operators find their anycast instance. It is what `anycloud probe` runs
// from a vantage point.
func ProbeAnycast(targets, transports []string, timeout time.Duration) []ProbeResult {
	var out []ProbeResult
	for _, t := range targets {
		for _, network := range transports {
			r := probeIdentity(network, hostPort(t), timeout)
			r.Address = t
			out = append(out, r)
		}
	}
	return out
}

func probeIdentity(network, addr string, timeout time.Duration) ProbeResult {
	r := ProbeResult{Address: addr, Transport: network}
	q := new(dns.Msg)
	q.SetQuestion("id.server.", dns.TypeTXT)
	q.Question[0].Qclass = dns.ClassCHAOS
	q.RecursionDesired = false
	q.SetEdns0(1232, false)
	q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	resp, rtt, err := (&dns.Client{Net: network, Timeout: timeout}).Exchange(q, addr)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.RTTms = float64(rtt) / float64(time.Millisecond)
	r.NSID = ServerIdentity(resp)
	if r.NSID == "" {
		r.Error = "answer without NSID or id.server (rcode " + dns.RcodeToString[resp.Rcode] + ")"
	}
	return r
}

// ServerIdentity names the server that answered m: its NSID (RFC 5001),
// else the TXT of an id.server. answer. The lab's probes use it too.
func ServerIdentity(m *dns.Msg) string {
	if opt := m.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if n, ok := o.(*dns.EDNS0_NSID); ok && n.Nsid != "" {
				if b, err := hex.DecodeString(n.Nsid); err == nil {
					return string(b)
				}
			}
		}
	}
	for _, rr := range m.Answer {
		if t, ok := rr.(*dns.TXT); ok && len(t.Txt) > 0 {
			return strings.Join(t.Txt, "")
		}
	}
	return ""
}

// PostProbe sends a probe report to a monitor's POST /api/v1/probes with
// the vantage's token.
func PostProbe(ctx context.Context, monitorURL, token string, rep ProbeReport) error {
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	url := strings.TrimSuffix(monitorURL, "/") + "/api/v1/probes"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	bearer.Set(req, token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("posting probe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("posting probe to %s: %s", url, resp.Status)
	}
	return nil
}
