package xfr

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limits bound what one transfer may make the receiver hold, so a broken or
// hostile server that streams without end, or very slowly, cannot exhaust
// memory or tie a zone up forever. Zero fields take DefaultLimits.
type Limits struct {
	MaxRecords  int           // records in one answer
	MaxBytes    int64         // wire bytes of one answer
	MaxDuration time.Duration // from the request to the closing SOA
}

// DefaultLimits leave room for the largest ccTLDs (a zone of a few million
// delegations is about 5 million records and 300 MB on the wire) while
// keeping a runaway transfer well below a hub's memory.
var DefaultLimits = Limits{MaxRecords: 20_000_000, MaxBytes: 2 << 30, MaxDuration: 30 * time.Minute}

func (l Limits) withDefaults() Limits {
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultLimits.MaxRecords
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDuration <= 0 {
		l.MaxDuration = DefaultLimits.MaxDuration
	}
	return l
}

// LimitError is a transfer abandoned because it went past a limit; what it
// received so far is discarded.
type LimitError struct {
	Server string
	What   string // "records", "bytes" or "duration"
	Limit  string
}

func (e *LimitError) Error() string {
	what := "more than " + e.Limit + " " + e.What
	if e.What == "duration" {
		what = "still going after " + e.Limit
	}
	return fmt.Sprintf("transfer from %s abandoned: %s without the closing SOA (a runaway or hostile server? the hub's limits: section sets this)", e.Server, what)
}

// check reports a limit the stream so far went past.
func (l Limits) check(server string, records int, bytes int64) error {
	switch {
	case records > l.MaxRecords:
		return &LimitError{Server: server, What: "records", Limit: fmt.Sprint(l.MaxRecords)}
	case bytes > l.MaxBytes:
		return &LimitError{Server: server, What: "MiB", Limit: fmt.Sprint(l.MaxBytes >> 20)}
	}
	return nil
}

// overtime turns the end of the transfer's own deadline into a LimitError;
// the caller's cancellation stays what it was.
func (l Limits) overtime(ctx context.Context, server string, err error) error {
	if errors.Is(context.Cause(ctx), errTransferTooLong) {
		return &LimitError{Server: server, What: "duration", Limit: l.MaxDuration.String()}
	}
	return err
}

var errTransferTooLong = errors.New("transfer took too long")
