package node

import (
	"context"
	"errors"
	"fmt"
)

// Run serves stored zones at once, then follows the hub and (when
// configured) announces the service until ctx ends. Then it withdraws,
// waits for traffic to move while still answering, and stops. ready is
// called when the listeners are up.
func (n *Node) Run(ctx context.Context, ready func()) error {
	n.mu.Lock()
	n.ctx = ctx
	n.mu.Unlock()
	if err := n.loadCatalog(); err != nil {
		return err
	}
	// The DNS server outlives ctx: it must answer during the drain.
	srvCtx, stopServing := context.WithCancel(context.Background())
	defer stopServing()
	serveErr := make(chan error, 1)
	up := make(chan struct{})
	go func() { serveErr <- n.srv.Serve(srvCtx, n.cfg.Listen, func() { close(up) }) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-up:
	}
	stopHTTP, err := n.startHTTP()
	if err != nil {
		stopServing()
		<-serveErr
		return err
	}
	defer stopHTTP()
	n.startMembers()
	annCtx, stopAnnouncer := context.WithCancel(context.Background())
	defer stopAnnouncer()
	annErr := make(chan error, 1)
	n.runAnnouncer(annCtx, annErr)
	if n.ann != nil {
		go n.followHubState(annCtx)
	}
	if ready != nil {
		ready()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
		serveErr <- nil // shutdown waits for it again
	case runErr = <-annErr:
		runErr = fmt.Errorf("announcer: %w", runErr)
		annErr <- nil
	}
	return errors.Join(runErr, n.shutdown(stopAnnouncer, annErr, stopServing, serveErr))
}

func (n *Node) startMembers() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.start(n.catalog)
	for _, m := range n.members {
		n.start(m)
	}
}

// shutdown drains, stops the announcer (closing its BGP sessions), then
// the DNS server and the refresh loops.
func (n *Node) shutdown(stopAnnouncer func(), annErr chan error, stopServing func(), serveErr chan error) error {
	var errs []error
	if n.ann != nil {
		n.drainBeforeStop()
		stopAnnouncer()
		errs = append(errs, <-annErr)
	}
	stopServing()
	if err := <-serveErr; err != nil && !errors.Is(err, context.Canceled) {
		errs = append(errs, err)
	}
	n.stopAll()
	return errors.Join(errs...)
}

func (n *Node) stopAll() {
	n.mu.Lock()
	all := []*member{n.catalog}
	for _, m := range n.members {
		all = append(all, m)
	}
	n.mu.Unlock()
	for _, m := range all {
		m.stop()
	}
}
