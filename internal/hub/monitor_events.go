package hub

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/gate"
	"anycloud/internal/xfr"
)

// The hub tells its counters and the monitor about transfers, gate
// rejections and TSIG failures as they happen (they are rare).

// transferAttempted counts one SOA check or transfer toward a primary;
// a TSIG failure is also an alert.
func (h *Hub) transferAttempted(zone, server, kind string, err error) {
	if kind != "soa" {
		h.mon.counters.TransferAttempts.WithLabelValues(zone, kind).Inc()
	}
	if err == nil {
		return
	}
	reason := failureReason(err)
	h.mon.counters.TransferFailures.WithLabelValues(zone, reason).Inc()
	if reason == "tsig" && h.mon.mon != nil {
		h.mon.mon.Report("tsig_failure", zone+" at "+server, "critical",
			fmt.Sprintf("%s of %s from %s failed TSIG: %v", strings.ToUpper(kind), zone, server, err))
	}
}

// gateRejected counts a rejected version and raises the hub_rejected alert.
func (h *Hub) gateRejected(zone string, serial uint32, server string, rej *gate.Rejection) {
	h.mon.counters.GateRejections.WithLabelValues(zone, rej.Check).Inc()
	if h.mon.mon != nil {
		h.mon.mon.Report("hub_rejected", zone, "critical",
			fmt.Sprintf("version %d from %s rejected (%s): %s; the last good version stays in service", serial, server, rej.Check, rej.Reason))
	}
}

// badNodeSignature handles a request whose TSIG did not verify. With a
// key the hub has, it is a real problem (a node with the wrong secret, or
// a clock off by more than the fudge, cannot refresh): counted per key and
// one tsig_failure alert per key, however often it happens. With a key
// name the hub does not have, it is noise anyone can send, a fresh name
// each time: counted without a label and logged at most once a minute,
// never an alert.
func (h *Hub) badNodeSignature(w dns.ResponseWriter, req *dns.Msg) {
	t := req.IsTsig()
	if t == nil || w.TsigStatus() == nil {
		return
	}
	name := dns.CanonicalName(t.Hdr.Name)
	from := addrOf(w.RemoteAddr()).String()
	if !h.configuredKey(name) {
		h.mon.counters.TSIGUnknownKey.Inc()
		if n, ok := h.mon.unknownKeys.allow(time.Now()); ok {
			h.log.Warn("requests signed with keys the hub does not have (counted in anycloud_hub_tsig_unknown_key_total, no alert)",
				"since_last_line", n, "latest_key", truncate(name, 64), "latest_from", from)
		}
		return
	}
	h.mon.counters.TSIGFailures.WithLabelValues(name).Inc()
	if h.mon.mon != nil {
		h.mon.mon.Report("tsig_failure", "key "+name, "critical",
			fmt.Sprintf("%s from %s signed with key %s did not verify: %v", questionOf(req), from, name, w.TsigStatus()))
	}
}

// configuredKey tells whether name is one of the keys the hub verifies
// with (the keyring of its listeners, see dynamicKeys).
func (h *Hub) configuredKey(name string) bool {
	cfg := h.config()
	for _, c := range cfg.Clients {
		if c.Key != nil && c.Key.Name == name {
			return true
		}
	}
	for _, n := range cfg.Nodes {
		if n.Key != nil && n.Key.Name == name {
			return true
		}
	}
	return cfg.Monitor != nil && cfg.Monitor.QueryKey != nil && cfg.Monitor.QueryKey.Name == name
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// logLimit lets a log line through at most once per period and counts the
// events in between, so a flood costs a counter, not a line each.
type logLimit struct {
	period time.Duration
	mu     sync.Mutex
	next   time.Time
	held   int
}

// allow counts one event; ok when a line may be written now, with how many
// events it stands for.
func (l *logLimit) allow(now time.Time) (n int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held++
	if now.Before(l.next) {
		return 0, false
	}
	n, l.held, l.next = l.held, 0, now.Add(l.period)
	return n, true
}

// failureReason sorts a failed SOA check or transfer into a few reasons
// an operator acts on differently.
func failureReason(err error) string {
	var (
		tsigErr  *xfr.TSIGError
		rcodeErr *xfr.RcodeError
		cutErr   *xfr.CutError
		netErr   net.Error
	)
	switch {
	case errors.As(err, &tsigErr), errors.Is(err, dns.ErrSig), errors.Is(err, dns.ErrSecret), errors.Is(err, dns.ErrTime):
		return "tsig"
	case errors.As(err, &rcodeErr):
		return strings.ToLower(dns.RcodeToString[rcodeErr.Rcode])
	case errors.As(err, &cutErr):
		return "cut"
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.As(err, new(*net.OpError)):
		return "network"
	}
	return "other"
}
