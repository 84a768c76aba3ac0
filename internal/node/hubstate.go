package node

import (
	"context"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// NodeStateName is the name a node asks the hub for, as TXT and signed
// with its own key, to learn its administrative state ("enabled",
// "disabled" or "drained", set with `anycloud node disable|enable|drain`
// at the hub). It matches hub.NodeStateName.
const NodeStateName = "node-state.anycloud."

// hubStatePoll is how often the node asks: the state is picked up within
// about this long.
const hubStatePoll = time.Second

// followHubState polls the hub and acts on changes: disabled or drained
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
	case st == "disabled" || st == "drained":
		n.log.Warn("the hub set this node "+st+": withdrawing", "previous", prev)
		go n.ann.Drain(ctx)
	case st == "enabled" && prev != "":
		n.log.Info("the hub enabled this node again: health decides", "previous", prev)
		n.ann.Undrain()
	}
}

// askHubState asks each hub in turn; "" when none answered.
func (n *Node) askHubState(ctx context.Context) string {
	for _, hub := range n.cfg.Hubs {
		q := new(dns.Msg)
		q.SetQuestion(NodeStateName, dns.TypeTXT)
		c := &dns.Client{Net: "udp", Timeout: time.Second, TsigSecret: map[string]string{n.cfg.Key.Name: n.cfg.Key.Secret}}
		q.SetTsig(n.cfg.Key.Name, n.cfg.Key.Algorithm, 300, time.Now().Unix())
		m, _, err := c.ExchangeContext(ctx, q, hub)
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
