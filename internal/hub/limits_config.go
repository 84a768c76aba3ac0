package hub

import "anycloud/internal/xfr"

// LimitsFile bounds what one transfer from a client's primary may make the
// hub hold, so a broken or hostile primary (an answer without end, or one
// that trickles) cannot exhaust the hub's memory or hold a zone forever.
// The gate then judges what passed these limits.
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
}

func (v *validator) limits(f LimitsFile) xfr.Limits {
	l := xfr.DefaultLimits
	if f.MaxTransferRecords < 0 {
		v.add("limits.max-transfer-records", "%d is negative", f.MaxTransferRecords)
	} else if f.MaxTransferRecords > 0 {
		l.MaxRecords = f.MaxTransferRecords
	}
	if f.MaxTransferMegabytes < 0 {
		v.add("limits.max-transfer-megabytes", "%d is negative", f.MaxTransferMegabytes)
	} else if f.MaxTransferMegabytes > 0 {
		l.MaxBytes = int64(f.MaxTransferMegabytes) << 20
	}
	l.MaxDuration = v.duration("limits.max-transfer-time", f.MaxTransferTime, xfr.DefaultLimits.MaxDuration)
	return l
}

// transferLimits is what the hub's transfers from primaries are held to.
func (c *Config) transferLimits() xfr.Limits {
	if c.Limits == (xfr.Limits{}) {
		return xfr.DefaultLimits
	}
	return c.Limits
}
