package hub

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

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

// badNodeSignature reports a request whose TSIG did not verify: a node
// with the wrong key (or a clock off by more than the fudge) cannot refresh.
func (h *Hub) badNodeSignature(w dns.ResponseWriter, req *dns.Msg) {
	t := req.IsTsig()
	if t == nil || w.TsigStatus() == nil || h.mon.mon == nil {
		return
	}
	h.mon.mon.Report("tsig_failure", "key "+t.Hdr.Name+" from "+addrOf(w.RemoteAddr()).String(), "critical",
		fmt.Sprintf("%s signed with key %s did not verify: %v", questionOf(req), t.Hdr.Name, w.TsigStatus()))
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
