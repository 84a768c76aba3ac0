package node

import (
	"context"
	"fmt"
)

// Run serves stored zones at once, then follows the hub until ctx ends.
// ready is called when the listeners are up.
func (n *Node) Run(ctx context.Context, ready func()) error {
	n.mu.Lock()
	n.ctx = ctx
	n.mu.Unlock()
	if err := n.loadCatalog(); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	up := make(chan struct{})
	go func() { serveErr <- n.srv.Serve(ctx, n.cfg.Listen, func() { close(up) }) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-up:
	}
	n.mu.Lock()
	n.start(n.catalog)
	for _, m := range n.members {
		n.start(m)
	}
	n.mu.Unlock()
	if ready != nil {
		ready()
	}
	err := <-serveErr
	n.stopAll()
	return err
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
