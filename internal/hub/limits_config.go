package hub

import (
	"time"

	"anycloud/internal/store"
	"anycloud/internal/xfr"
)

// LimitsFile bounds what a client's primary may make the hub and the nodes
// hold: one transfer (an answer without end, or one that trickles, cannot
// exhaust the hub's memory or hold a zone forever), the checks NOTIFYs
// trigger and the rejected copies kept (a primary changing its zone on
// every query and sending NOTIFY in a loop cannot fill the hub's disk),
// and the size of each client's zones (one client cannot push the nodes out
// of memory). The gate then judges what passed these limits.
type LimitsFile struct {
	// MaxTransferRecords is the most records one transfer may carry
	// (default 20000000).
	MaxTransferRecords int `yaml:"max-transfer-records"`
	// MaxTransferMegabytes is the most wire data one transfer may carry, in
	// MiB (default 2048).
	MaxTransferMegabytes int `yaml:"max-transfer-megabytes"`
	// MaxTransferTime is how long one transfer may take from request to
	// closing SOA, e.g. "30m" (default).
	MaxTransferTime string `yaml:"max-transfer-time"`
	// MinNotifyInterval is the least time between the start of a zone's
	// check and a check a NOTIFY asks for, e.g. "1s" (default); after a
	// check that failed or whose version the gate refused, at least
	// timeouts.min-refresh. NOTIFYs arriving sooner are merged into one
	// check at the end of that time, and such a storm is logged once, not
	// per NOTIFY (as BIND's serial-query-rate, but per zone). An
	// operator's `hub retransfer` is never held.
	MinNotifyInterval string `yaml:"min-notify-interval"`
	// MaxRejectedCopies is how many versions refused by the gate are kept
	// per zone under STORAGE/rejected/ for inspection (default 10); the
	// oldest are removed first.
	MaxRejectedCopies int `yaml:"max-rejected-copies"`
	// MaxRejectedMegabytes bounds those copies of one zone together, in
	// MiB (default 256); the oldest are removed first, and a copy larger
	// than this alone is not kept (the refusal is still logged and shown).
	MaxRejectedMegabytes int `yaml:"max-rejected-megabytes"`
	// MaxClientRecords is the most records the zones of one client may
	// hold together (default 4000000: the benchmark's NSEC3-signed
	// 1M-delegation zone, 3.6 million records, is what a 2 GB node was
	// measured to serve, docs/resources.md); the gate refuses a version
	// that would exceed it.
	// A client's own `limits.max-records` replaces it for that client.
	MaxClientRecords int `yaml:"max-client-records"`
	// MaxClientMegabytes is the most data the zones of one client may hold
	// together, as records in uncompressed wire form, in MiB (default 512;
	// a node holds a zone in one to two times that at rest, more while
	// it loads one). A client's own
	// `limits.max-megabytes` replaces it for that client.
	MaxClientMegabytes int `yaml:"max-client-megabytes"`
	// MaxGrowth is how many times larger, in records or in bytes, a new
	// version may be than the version in service (default 10); versions of
	// up to 10000 records and 1 MiB are never refused for growth. An
	// operator accepts one larger version with `anycloud hub retransfer
	// ZONE`. A client's own `limits.max-growth` replaces it.
	MaxGrowth float64 `yaml:"max-growth"`
}

// ClientLimitsFile replaces, for one client, the hub's `limits:` on the
// size of its zones.
type ClientLimitsFile struct {
	// MaxRecords replaces limits.max-client-records for this client.
	MaxRecords int `yaml:"max-records"`
	// MaxMegabytes replaces limits.max-client-megabytes for this client.
	MaxMegabytes int `yaml:"max-megabytes"`
	// MaxGrowth replaces limits.max-growth for this client.
	MaxGrowth float64 `yaml:"max-growth"`
}

// Defaults of the limits that are not the transfer's.
const (
	defaultMinNotifyInterval    = time.Second
	defaultMaxRejectedCopies    = 10
	defaultMaxRejectedMegabytes = 256
	defaultMaxClientRecords     = 4_000_000
	defaultMaxClientMegabytes   = 512
	defaultMaxGrowth            = 10
)

// SizeLimits bound the zones of one client; zero fields mean no bound.
type SizeLimits struct {
	MaxRecords int
	MaxBytes   int64
	MaxGrowth  float64
}

func (v *validator) limits(f LimitsFile, cfg *Config) {
	l := xfr.DefaultLimits
	l.MaxRecords = v.positive("limits.max-transfer-records", f.MaxTransferRecords, l.MaxRecords)
	l.MaxBytes = int64(v.positive("limits.max-transfer-megabytes", f.MaxTransferMegabytes, int(l.MaxBytes>>20))) << 20
	l.MaxDuration = v.Duration("limits.max-transfer-time", f.MaxTransferTime, xfr.DefaultLimits.MaxDuration)
	cfg.Limits = l
	cfg.MinNotifyInterval = v.Duration("limits.min-notify-interval", f.MinNotifyInterval, defaultMinNotifyInterval)
	cfg.Rejected = store.RejectedLimits{
		MaxCopies: v.positive("limits.max-rejected-copies", f.MaxRejectedCopies, defaultMaxRejectedCopies),
		MaxBytes:  int64(v.positive("limits.max-rejected-megabytes", f.MaxRejectedMegabytes, defaultMaxRejectedMegabytes)) << 20,
	}
	cfg.Size = SizeLimits{
		MaxRecords: v.positive("limits.max-client-records", f.MaxClientRecords, defaultMaxClientRecords),
		MaxBytes:   int64(v.positive("limits.max-client-megabytes", f.MaxClientMegabytes, defaultMaxClientMegabytes)) << 20,
		MaxGrowth:  v.growth("limits.max-growth", f.MaxGrowth, defaultMaxGrowth),
	}
}

// clientLimits applies a client's own limits over the hub's.
func (v *validator) clientLimits(field string, f ClientLimitsFile, hub SizeLimits) SizeLimits {
	return SizeLimits{
		MaxRecords: v.positive(field+".max-records", f.MaxRecords, hub.MaxRecords),
		MaxBytes:   int64(v.positive(field+".max-megabytes", f.MaxMegabytes, int(hub.MaxBytes>>20))) << 20,
		MaxGrowth:  v.growth(field+".max-growth", f.MaxGrowth, hub.MaxGrowth),
	}
}

// positive returns n, or def when n is 0 (not set); a negative n is an error.
func (v *validator) positive(field string, n, def int) int {
	switch {
	case n < 0:
		v.Add(field, "%d is negative", n)
	case n > 0:
		return n
	}
	return def
}

func (v *validator) growth(field string, g, def float64) float64 {
	switch {
	case g == 0:
		return def
	case g < 1:
		v.Add(field, "%v is not a factor of at least 1 (10 lets a version hold ten times the records of the one in service)", g)
		return def
	}
	return g
}

// transferLimits is what the hub's transfers from primaries are held to.
func (c *Config) transferLimits() xfr.Limits {
	if c.Limits == (xfr.Limits{}) {
		return xfr.DefaultLimits
	}
	return c.Limits
}
