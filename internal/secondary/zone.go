package secondary

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
	"anycloud/internal/zonever"
)

// Request tells Accept how the transfer came about.
type Request struct {
	Forced      bool // an operator asked for a full transfer
	AcceptOlder bool // and allowed a serial that went backwards
}

// Server is what the zone asks of a server: its SOA and a transfer.
// xfr.Client is the real one; tests put an in-memory server here so the
// timers run on synctest's virtual clock (network I/O never blocks durably).
type Server interface {
	QuerySOA(ctx context.Context, server, origin string) (*xfr.SOAAnswer, error)
	Pull(ctx context.Context, server, origin string, have *zonever.Version, forceAXFR bool) (*xfr.Pulled, error)
}

// Zone is one secondary zone. Fill the exported fields, then call Run.
type Zone struct {
	Origin  string
	Servers func() []string // tried in this order
	Client  func() Server
	// Sources, when set, replaces Servers and Client: every source is asked
	// at each check and the zone is taken from the one with the highest
	// serial (package doc). Nodes set it, one source per hub; the sources
	// are asked at once, so Attempted may then be called concurrently.
	Sources func() []Source
	// Current returns the version in service, or nil.
	Current func() *zonever.Version
	// Accept receives each transfer that brought a new version; an error
	// means the version was refused and the current one stays.
	Accept func(ctx context.Context, p *xfr.Pulled, server string, req Request) error
	// Expired is called with true when the expire time passed without
	// contact, and with false when contact is back.
	Expired func(expired bool)
	// Contacted, if set, is told each time a server answered, so the owner
	// can persist the expire timer across restarts.
	Contacted func(at time.Time, expireAfter time.Duration)
	// Attempted, if set, is told of every SOA check (kind "soa") and
	// transfer (kind "ixfr" or "axfr") toward a server, with its error
	// (nil on success), so the owner can count them.
	Attempted func(server, kind string, err error)
	// Bounds on the SOA refresh and retry intervals.
	MinInterval, MaxInterval time.Duration
	// MinNotifyInterval, if set, returns the least time between the start
	// of one check and a check a NOTIFY asks for (0: none). A NOTIFY that
	// comes sooner is merged into one check at the end of that time, so a
	// primary sending NOTIFY in a loop gets one check per interval, and
	// one per MinInterval at most while its versions fail. An operator's
	// retransfer is never held.
	MinNotifyInterval func() time.Duration
	Log               *slog.Logger

	wake  chan Request
	mu    sync.Mutex
	st    Status
	storm notifyStorm
}

// Status is what an operator sees about the zone's refresh.
type Status struct {
	LastCheck    time.Time `json:"last_check"`
	LastContact  time.Time `json:"last_contact"` // last time a server answered
	LastTransfer time.Time `json:"last_transfer_at"`
	LastKind     string    `json:"last_transfer,omitempty"`
	LastServer   string    `json:"last_server,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
	Expired      bool      `json:"expired"`
	NextCheck    time.Time `json:"next_check"`
	// NotifiesHeld counts the NOTIFYs merged into a later check by
	// MinNotifyInterval since the start.
	NotifiesHeld int64 `json:"notifies_held,omitempty"`
	// Sources is what each source said at the last check (with Sources).
	Sources []SourceStatus `json:"hubs,omitempty"`
}

// Status returns a copy of the current status.
func (z *Zone) Status() Status {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.st
}

func (z *Zone) init() {
	z.mu.Lock()
	if z.wake == nil {
		z.wake = make(chan Request, 1)
	}
	z.mu.Unlock()
}

// Notify asks for a SOA check now (a NOTIFY arrived). It reports whether
// the check is held by MinNotifyInterval (merged into a later one), so the
// caller can log a NOTIFY storm once instead of every NOTIFY.
func (z *Zone) Notify() (held bool) {
	held = z.notifyHeld(time.Now()) > 0
	z.trigger(Request{})
	return held
}

// Retransfer asks for a full transfer now, accepting an older serial when
// acceptOlder is set.
func (z *Zone) Retransfer(acceptOlder bool) {
	z.trigger(Request{Forced: true, AcceptOlder: acceptOlder})
}

func (z *Zone) trigger(r Request) {
	z.init()
	select {
	case z.wake <- r:
	default:
		if r.Forced { // a forced request must not be lost behind a notify
			select {
			case <-z.wake:
			default:
			}
			z.wake <- r
		}
	}
}

// SetContact records a contact made before Run started, e.g. the time a
// stored copy was last confirmed, so expiry survives a restart.
func (z *Zone) SetContact(at time.Time, expireAfter time.Duration) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.st.LastContact = at
	z.st.ExpiresAt = at.Add(expireAfter)
}

func soaDuration(seconds uint32) time.Duration { return time.Duration(seconds) * time.Second }

func (z *Zone) clamp(d time.Duration) time.Duration {
	return min(max(d, z.MinInterval), z.MaxInterval)
}

// intervals returns the refresh and retry intervals from the current SOA,
// or a short retry when there is no version yet.
func (z *Zone) intervals() (refresh, retry time.Duration) {
	cur := z.Current()
	if cur == nil {
		return z.MinInterval, z.MinInterval
	}
	soa := cur.SOA()
	return z.clamp(soaDuration(soa.Refresh)), z.clamp(soaDuration(soa.Retry))
}

func expireOf(soa *dns.SOA, edns *uint32) time.Duration {
	if edns != nil {
		return soaDuration(*edns)
	}
	return soaDuration(soa.Expire)
}
