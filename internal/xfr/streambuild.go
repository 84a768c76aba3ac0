package xfr

import (
	"sync/atomic"

	"github.com/miekg/dns"

	serving "anycloud/internal/zone"
)

// streamBuild builds the serving snapshot of an AXFR while its messages
// arrive, on a goroutine of its own, so the build overlaps the transfer
// instead of following it (Client.BuildSnapshot).
type streamBuild struct {
	batches chan []dns.RR
	done    chan struct{}
	aborted atomic.Bool
	z       *serving.Zone
	err     error
}

func startStreamBuild(origin string) *streamBuild {
	sb := &streamBuild{batches: make(chan []dns.RR, 16), done: make(chan struct{})}
	go sb.run(origin)
	return sb
}

func (sb *streamBuild) run(origin string) {
	defer close(sb.done)
	b, err := serving.NewBuilder(origin, 0)
	for batch := range sb.batches {
		for _, rr := range batch {
			if err == nil {
				err = b.Add(rr)
			}
		}
	}
	if err == nil && !sb.aborted.Load() {
		sb.z, err = b.Finish()
	}
	sb.err = err
}

// add passes on the records of one message, leaving out every SOA after
// the first (the closing one), as zonever.New does.
func (sb *streamBuild) add(answer []dns.RR, first bool) {
	batch := make([]dns.RR, 0, len(answer))
	for i, rr := range answer {
		if rr.Header().Rrtype == dns.TypeSOA && !(first && i == 0) {
			continue
		}
		batch = append(batch, rr)
	}
	sb.batches <- batch
}

// finish waits for the snapshot; abort instead drops it.
func (sb *streamBuild) finish() (*serving.Zone, error) {
	close(sb.batches)
	<-sb.done
	return sb.z, sb.err
}

func (sb *streamBuild) abort() {
	sb.aborted.Store(true)
	close(sb.batches)
	<-sb.done
}
