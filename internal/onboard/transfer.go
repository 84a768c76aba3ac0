package onboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/gate"
	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// TransferTrial says how to try a client's primaries.
type TransferTrial struct {
	Zone      string
	Primaries []string // host:port
	Key       *xfr.Key
	Timeout   time.Duration
	// Current is the version the hub serves, if any: the gate compares
	// the candidate with it as the hub would.
	Current *zonever.Version
	Gate    gate.Policy
	// Notify is the last NOTIFY the hub received for the zone (zero: none
	// since it started).
	Notify NotifySeen
}

// NotifySeen is the last NOTIFY the hub received for a zone.
type NotifySeen struct {
	At      time.Time `json:"at,omitzero"`
	From    string    `json:"from,omitempty"`
	Refused string    `json:"refused,omitempty"` // why the hub refused it; "" when accepted
}

// RunTransfer does an AXFR and an IXFR from every primary with the key and
// reports reachability, the TSIG verdict, serial, records, size, duration
// and the gate's verdict on what came. It passes when every primary gives
// a complete zone the gate accepts.
func RunTransfer(ctx context.Context, t TransferTrial) *Report {
	start := time.Now()
	r := newReport(t.Zone, StepTransfer)
	if len(t.Primaries) == 0 {
		r.add("client", "primaries", false, "no primary address is configured")
	}
	for _, p := range t.Primaries {
		t.tryPrimary(ctx, r, p)
	}
	t.notifyFact(r)
	if !r.finish(start).Pass {
		r.Todo = "fix the primary's configuration (see the snippets sent with the key) and run the trial again"
	}
	return r
}

func (t TransferTrial) tryPrimary(ctx context.Context, r *Report, server string) {
	target := "primary " + server
	c := xfr.Client{Key: t.Key, Timeout: t.Timeout}
	began := time.Now()
	res, err := c.AXFR(ctx, server, t.Zone)
	if err != nil {
		r.add(target, "axfr", false, "%s", Explain(err))
		return
	}
	took := time.Since(began)
	v := res.Version
	r.add(target, "axfr", true, "%s serial %d, %d records, %d bytes, %s", res.Kind, res.SOA.Serial, v.Len(), wireSize(v.RRs), took.Round(time.Millisecond))
	r.add(target, "tsig", t.Key != nil, "%s", tsigNote(t.Key))
	r.fact("serial", "%d", res.SOA.Serial)
	r.fact("records", "%d", v.Len())
	r.fact("size", "%d bytes", wireSize(v.RRs))
	r.fact("duration", "%s", took.Round(time.Millisecond))
	t.tryIXFR(ctx, r, c, server, target, res)
	if rej := gate.Check(t.Current, v, t.Gate); rej != nil {
		r.add(target, "gate", false, "the hub would reject this version: %s", rej.Error())
	} else {
		r.add(target, "gate", true, "the hub's acceptance checks pass")
	}
}

func tsigNote(k *xfr.Key) string {
	if k == nil {
		return "no key: transfers must be TSIG-signed"
	}
	return "signed and verified with key " + k.Name
}

// tryIXFR asks for the changes since the serial just received: a primary
// that does IXFR answers with that SOA alone.
func (t TransferTrial) tryIXFR(ctx context.Context, r *Report, c xfr.Client, server, target string, axfr *xfr.Result) {
	res, err := c.IXFR(ctx, server, axfr.SOA)
	if err != nil {
		r.add(target, "ixfr", false, "%s", Explain(err))
		return
	}
	r.add(target, "ixfr", true, "answered %s at serial %d", res.Kind, res.SOA.Serial)
}

// notifyFact says whether the primary has been seen sending NOTIFY, and
// whether the hub took it; it is advice, not a failure, since a trial
// cannot make the primary send one (it does on its next change).
func (t TransferTrial) notifyFact(r *Report) {
	n := t.Notify
	switch {
	case n.At.IsZero():
		r.fact("notify", "no NOTIFY received from the primary since the hub started: until one comes, changes wait for the SOA refresh timer (configure notify to the hub as in the snippets; a primary sends one on its next change)")
	case n.Refused != "":
		r.fact("notify", "the last NOTIFY, from %s at %s, was refused: %s", n.From, n.At.UTC().Format(time.RFC3339), n.Refused)
	default:
		r.fact("notify", "the primary sends NOTIFY: the last one, from %s at %s, was accepted", n.From, n.At.UTC().Format(time.RFC3339))
	}
}

// Explain turns a transfer error into the sentence shown to the client;
// package xfr already words TSIG and REFUSED failures for operators. Knot
// answers BADKEY (not REFUSED) when its ACL leaves our address out, so a
// BADKEY gets that hint too.
func Explain(err error) string {
	var te *xfr.TSIGError
	if errors.As(err, &te) && te.Code == dns.RcodeBadKey {
		return err.Error() + "; a primary whose transfer ACL does not list the hub's address with this key answers the same (Knot does)"
	}
	return fmt.Sprint(err)
}
