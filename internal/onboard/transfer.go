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
	// LastNotify is when the hub last received a NOTIFY for the zone from
	// a primary (zero: never since it started).
	LastNotify time.Time
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

// notifyFact says whether the primary has been seen sending NOTIFY; it is
// advice, not a failure, since a trial cannot make the primary change.
func (t TransferTrial) notifyFact(r *Report) {
	if t.LastNotify.IsZero() {
		r.fact("notify", "no NOTIFY received from the primary yet (changes then wait for the SOA refresh timer)")
		return
	}
	r.fact("notify", "last NOTIFY from the primary at %s", t.LastNotify.UTC().Format(time.RFC3339))
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
