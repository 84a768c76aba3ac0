package replica

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// failingStable refuses its first failures writes, as a full disk does
// until space is freed.
type failingStable struct {
	raft.StableStore
	failures int
	writes   int
}

func (f *failingStable) SetUint64(key []byte, val uint64) error {
	f.writes++
	if f.writes <= f.failures {
		return errors.New("no space left on device")
	}
	return f.StableStore.SetUint64(key, val)
}

// TestPatientStableRetries: a term that cannot be saved is retried until
// the disk takes it (Raft would panic on the error and take the hub with
// it), and given up only when the hub shuts down.
func TestPatientStableRetries(t *testing.T) {
	defer func(d time.Duration) { retryEvery = d }(retryEvery)
	retryEvery = time.Millisecond
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name     string
		failures int
		shutdown bool
		wantErr  bool
	}{
		{"saved at once", 0, false, false},
		{"disk full for a while", 5, false, false},
		{"disk full until shutdown", 1 << 30, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner := &failingStable{StableStore: raft.NewInmemStore(), failures: tc.failures}
			done := make(chan struct{})
			if tc.shutdown {
				time.AfterFunc(20*time.Millisecond, func() { close(done) })
			}
			err := patientStable{StableStore: inner, log: log, done: done}.SetUint64([]byte("CurrentTerm"), 7)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr {
				if got, _ := inner.GetUint64([]byte("CurrentTerm")); got != 7 {
					t.Fatalf("term %d saved, want 7", got)
				}
				if inner.writes != tc.failures+1 {
					t.Fatalf("%d writes, want %d", inner.writes, tc.failures+1)
				}
			}
		})
	}
}
