package replica

import (
	"log/slog"
	"time"

	"github.com/hashicorp/raft"
)

// patientStable is the Raft stable store (current term, last vote).
// hashicorp/raft panics when it cannot save the current term, so a full
// disk at an election (found by the lab's disk-full fault) took the whole
// hub down, its zones and its nodes' feed with it, for the sake of
// administration. A write that fails here is retried every retryEvery
// (logged once per outage) until it succeeds or the hub shuts down:
// meanwhile this hub takes no part in Raft, and everything else goes on.
type patientStable struct {
	raft.StableStore
	log  *slog.Logger
	done <-chan struct{}
}

var retryEvery = time.Second

func (s patientStable) Set(key, val []byte) error {
	return s.retry(func() error { return s.StableStore.Set(key, val) })
}

func (s patientStable) SetUint64(key []byte, val uint64) error {
	return s.retry(func() error { return s.StableStore.SetUint64(key, val) })
}

func (s patientStable) retry(write func() error) error {
	err := write()
	if err == nil {
		return nil
	}
	s.log.Error("replication state cannot be saved (disk full?); this hub stays out of Raft until it can, serving goes on", "err", err)
	for {
		select {
		case <-s.done:
			return err
		case <-time.After(retryEvery):
		}
		if err = write(); err == nil {
			s.log.Info("replication state saved again")
			return nil
		}
	}
}
