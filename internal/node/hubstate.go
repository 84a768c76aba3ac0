package node

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
)

// hubStatePoll is how often the node asks: the state is picked up within
// about this long.
const hubStatePoll = time.Second

// followHubState polls the hubs and acts on changes: disabled or drained
// withdraw (Drain), enabled announces again (Undrain). It acts on changes
// only, so an operator's local drain is not undone by a hub that has said
// "enabled" all along.
func (n *Node) followHubState(ctx context.Context) {
	last := ""
	t := time.NewTicker(hubStatePoll)
	defer t.Stop()
	for {
		if st := n.askHubState(ctx); st != "" && st != last {
			n.applyHubState(ctx, last, st)
			last = st
			n.hubState.Store(st)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *Node) applyHubState(ctx context.Context, prev, st string) {
	switch {
	case st == adminstate.NodeDisabled || st == adminstate.NodeDrained:
		n.log.Warn("the hub set this node "+st+": withdrawing", "previous", prev)
		go n.ann.Drain(ctx)
	case st == adminstate.NodeEnabled && prev != "":
		n.log.Info("the hub enabled this node again: health decides", "previous", prev)
		n.ann.Undrain()
	}
}

// askHubState asks every hub at once (each trying its addresses in turn,
// signed with its own key) and combines what those that answered said:
// "" when none answered. A withdrawal wins: "disabled" over "drained" over
// "enabled". The hubs replicate the state, so they disagree only while a
// change travels between them; the node cannot tell which answer is the
// more recent (the TXT carries no time), and the change that matters not
// to miss is a drain, so a drain made at either hub acts at once, and an
// enable acts once every hub that answers says so. A hub that is down does
// not hold the node back.
func (n *Node) askHubState(ctx context.Context) string {
	answers := make([]string, len(n.cfg.Hubs))
	var wg sync.WaitGroup
	for i, h := range n.cfg.Hubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = askOneHubState(ctx, h)
		}()
	}
	wg.Wait()
	return combineHubStates(answers)
}

// stateRank orders the states a hub may give; unknown ones are ignored.
var stateRank = map[string]int{adminstate.NodeEnabled: 1, adminstate.NodeDrained: 2, adminstate.NodeDisabled: 3}

func combineHubStates(answers []string) string {
	best := ""
	for _, a := range answers {
		if stateRank[a] > stateRank[best] {
			best = a
		}
	}
	return best
}

func askOneHubState(ctx context.Context, h Hub) string {
	if h.Key == nil {
		return ""
	}
	for _, addr := range h.Addrs {
		q := new(dns.Msg)
		q.SetQuestion(adminstate.NodeStateName, dns.TypeTXT)
		c := &dns.Client{Net: "udp", Timeout: time.Second, TsigSecret: map[string]string{h.Key.Name: h.Key.Secret}}
		q.SetTsig(h.Key.Name, h.Key.Algorithm, 300, time.Now().Unix())
		m, _, err := c.ExchangeContext(ctx, q, addr)
		if err != nil || m.Rcode != dns.RcodeSuccess {
			continue
		}
		for _, rr := range m.Answer {
			if txt, ok := rr.(*dns.TXT); ok && len(txt.Txt) > 0 {
				return strings.ToLower(txt.Txt[0])
			}
		}
	}
	return ""
}
