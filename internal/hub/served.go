package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"anycloud/internal/secondary"
	"anycloud/internal/zonever"
)

// content is one version in service with its journal. It is replaced as a
// whole, so a transfer out always sees a matching pair.
type content struct {
	version *zonever.Version
	journal *zonever.Journal
}

// servedZone is a zone the hub serves to nodes: a client zone (with its
// secondary loop toward the client's primaries) or the catalog.
type servedZone struct {
	origin string
	client string // owning client; empty for the catalog
	cur    atomic.Pointer[content]
	sec    *secondary.Zone // nil for the catalog
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	rejected  int
	rejection *Rejection
}

// Rejection is the last refused version of a zone, for the status.
type Rejection struct {
	Serial uint32    `json:"serial"`
	Check  string    `json:"check"`
	Reason string    `json:"reason"`
	Server string    `json:"server"`
	At     time.Time `json:"at"`
	File   string    `json:"file,omitempty"`
}

func (z *servedZone) current() *zonever.Version {
	if c := z.cur.Load(); c != nil {
		return c.version
	}
	return nil
}

func (z *servedZone) recordRejection(r Rejection) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.rejected++
	z.rejection = &r
}

// expireSeconds is the EDNS EXPIRE value to give nodes: what is left of the
// hub's own expire timer, so expiry does not stretch along the chain.
func (z *servedZone) expireSeconds() *uint32 {
	v := z.current()
	if v == nil {
		return nil
	}
	left := uint32(v.SOA().Expire)
	if z.sec != nil {
		st := z.sec.Status()
		if st.ExpiresAt.IsZero() {
			return &left // not contacted yet since start: no better figure
		}
		left = uint32(max(time.Until(st.ExpiresAt), 0) / time.Second)
	}
	return &left
}

func (z *servedZone) expired() bool {
	return z.sec != nil && z.sec.Status().Expired
}
