package xfr

import (
	"context"
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"anycloud/internal/zonever"
)

// Pulled is the outcome of Pull.
type Pulled struct {
	Kind    Kind
	SOA     *dns.SOA         // the server's current SOA
	Version *zonever.Version // the new version; nil when up to date
	Deltas  []zonever.Delta  // set when the server answered incrementally
	Records int
}

// Pull brings origin up to date from server: IXFR from have when there is a
// version, AXFR otherwise, and AXFR after an IXFR the server does not
// implement or whose deltas do not apply to have. forceAXFR skips IXFR.
func (c Client) Pull(ctx context.Context, server, origin string, have *zonever.Version, forceAXFR bool) (*Pulled, error) {
	if have == nil || forceAXFR {
		return c.pullAXFR(ctx, server, origin)
	}
	r, err := c.IXFR(ctx, server, have.SOA())
	if err != nil {
		if ixfrUnsupported(err) {
			return c.pullAXFR(ctx, server, origin)
		}
		return nil, err
	}
	switch r.Kind {
	case KindUpToDate, KindNoChanges:
		if zonever.SerialNewer(r.SOA.Serial, have.Serial()) {
			return c.pullAXFR(ctx, server, origin) // a lone newer SOA: ask for all
		}
		return &Pulled{Kind: KindUpToDate, SOA: r.SOA, Records: r.Records}, nil
	case KindIXFR:
		v, err := zonever.Apply(have, r.Deltas)
		if err != nil {
			return c.pullAXFR(ctx, server, origin)
		}
		return &Pulled{Kind: KindIXFR, SOA: r.SOA, Version: v, Deltas: r.Deltas, Records: r.Records}, nil
	}
	return &Pulled{Kind: r.Kind, SOA: r.SOA, Version: r.Version, Records: r.Records}, nil
}

func (c Client) pullAXFR(ctx context.Context, server, origin string) (*Pulled, error) {
	r, err := c.AXFR(ctx, server, origin)
	if err != nil {
		return nil, err
	}
	if r.Version == nil {
		return nil, fmt.Errorf("%s: AXFR answer holds only a SOA", server)
	}
	return &Pulled{Kind: KindAXFR, SOA: r.SOA, Version: r.Version, Records: r.Records}, nil
}

// ixfrUnsupported reports answers after which a fallback to AXFR makes
// sense: the server does not do IXFR, not a refusal or a TSIG failure.
func ixfrUnsupported(err error) bool {
	var re *RcodeError
	if errors.As(err, &re) {
		return re.Rcode == dns.RcodeNotImplemented || re.Rcode == dns.RcodeFormatError || re.Rcode == dns.RcodeServerFailure
	}
	return false
}
