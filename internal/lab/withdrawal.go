package lab

import (
	"context"
	"strings"
	"time"
)

// withdrawalPoll and withdrawalLimit bound how a fault's withdrawal is
// watched: every 10 ms, for at most 10 s (three hold times and more).
const (
	withdrawalPoll  = 10 * time.Millisecond
	withdrawalLimit = 10 * time.Second
)

// WatchWithdrawal starts watching node's city router, and returns a
// function that, called after the fault was applied at time at, waits
// until the router no longer holds any route from its session with node
// (the "node4" protocol) and says how long after at that was; ok is false
// when it still held one after withdrawalLimit. This is what `lab fail`
// reports: the withdrawal as the network sees it (for silent: BFD's
// 300 ms where the node runs BIRD, the 3 s hold timer where it embeds
// GoBGP).
// Cancelling ctx stops the watch.
func WatchWithdrawal(ctx context.Context, stateDir, node string) (func(at time.Time) (time.Duration, bool), error) {
	st, h, err := loadNode(stateDir, node)
	if err != nil {
		return nil, err
	}
	router, prefix := "router-"+h.City, st.Plan.Topology.Announce[0].String()
	gone := make(chan time.Time, 1)
	wctx, cancel := context.WithTimeout(ctx, withdrawalLimit+5*time.Second)
	go func() {
		defer cancel()
		for wctx.Err() == nil {
			out, err := birdc(wctx, stateDir, router, "show", "route", prefix, "protocol", "node4")
			if err == nil && !strings.Contains(out, prefix) {
				gone <- time.Now()
				return
			}
			time.Sleep(withdrawalPoll)
		}
	}()
	return func(at time.Time) (time.Duration, bool) {
		select {
		case when := <-gone:
			return max(when.Sub(at), 0), true
		case <-time.After(time.Until(at.Add(withdrawalLimit))):
			cancel()
			return 0, false
		}
	}, nil
}
