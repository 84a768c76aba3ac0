package hub

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

// listen starts UDP and TCP listeners on every configured address and
// returns once all are up.
func (h *Hub) listen(ctx context.Context) ([]*dns.Server, error) {
	var servers []*dns.Server
	for _, addr := range h.config().Listen {
		for _, network := range []string{"udp", "tcp"} {
			s, err := h.startServer(network, addr)
			if err != nil {
				shutdown(servers)
				return nil, err
			}
			servers = append(servers, s)
		}
	}
	return servers, nil
}

func (h *Hub) startServer(network, addr string) (*dns.Server, error) {
	started := make(chan error, 1)
	s := &dns.Server{
		Addr: addr, Net: network, Handler: dns.HandlerFunc(h.serveDNS),
		TsigProvider:      h.keyring(),
		NotifyStartedFunc: func() { started <- nil },
		ReadTimeout:       h.config().Timeout, WriteTimeout: h.config().Timeout,
		MsgAcceptFunc: acceptNotifyAndQueries,
	}
	serve := s.ListenAndServe
	if network == "tcp" {
		ln, err := h.tcpListener(addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s/%s: %w", addr, network, err)
		}
		s.Listener, serve = ln, s.ActivateAndServe
	}
	go func() {
		if err := serve(); err != nil {
			started <- fmt.Errorf("listen %s/%s: %w", addr, network, err)
		}
	}()
	select {
	case err := <-started:
		return s, err
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("listen %s/%s: not up after 10s", addr, network)
	}
}

// acceptNotifyAndQueries lets NOTIFY through (miekg's default rejects it).
func acceptNotifyAndQueries(dh dns.Header) dns.MsgAcceptAction {
	if int(dh.Bits>>11)&0xF == dns.OpcodeNotify {
		return dns.MsgAccept
	}
	return dns.DefaultMsgAcceptFunc(dh)
}

// keyring verifies TSIG with whatever keys the current configuration has,
// so a reload changes keys without restarting listeners.
func (h *Hub) keyring() dns.TsigProvider { return dynamicKeys{h} }

type dynamicKeys struct{ h *Hub }

func (d dynamicKeys) current() dns.TsigProvider {
	cfg := d.h.config()
	var keys []*xfr.Key
	for _, c := range cfg.Clients {
		keys = append(keys, c.Key)
	}
	for _, n := range cfg.Nodes {
		keys = append(keys, n.Key)
	}
	if cfg.Monitor != nil {
		keys = append(keys, cfg.Monitor.QueryKey)
	}
	return xfr.Provider(keys...)
}

func (d dynamicKeys) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	return d.current().Generate(msg, t)
}

func (d dynamicKeys) Verify(msg []byte, t *dns.TSIG) error { return d.current().Verify(msg, t) }

func (h *Hub) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		h.refuse(w, req, dns.RcodeFormatError, "no single question")
		return
	}
	switch {
	case req.Opcode == dns.OpcodeNotify:
		h.handleNotify(w, req)
	case req.Opcode == dns.OpcodeQuery:
		h.handleQuery(w, req)
	default:
		h.refuse(w, req, dns.RcodeNotImplemented, "opcode not implemented")
	}
}

func (h *Hub) refuse(w dns.ResponseWriter, req *dns.Msg, rcode int, why string) {
	h.log.Debug("request refused", "from", w.RemoteAddr().String(), "q", questionOf(req), "rcode", dns.RcodeToString[rcode], "why", why)
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	w.WriteMsg(m) // an unsigned answer: the request's key is not trusted
}

func questionOf(req *dns.Msg) string {
	if len(req.Question) == 0 {
		return ""
	}
	q := req.Question[0]
	return q.Name + " " + dns.TypeToString[q.Qtype]
}

// nodeKey returns the name of the configured node whose key signed req and
// verified, or "".
func (h *Hub) nodeKey(w dns.ResponseWriter, req *dns.Msg) string {
	t := req.IsTsig()
	if t == nil || w.TsigStatus() != nil {
		return ""
	}
	for _, n := range h.config().Nodes {
		if n.Key != nil && n.Key.Name == dns.CanonicalName(t.Hdr.Name) {
			return n.Name
		}
	}
	return ""
}

func addrOf(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

func hostOf(hostport string) netip.Addr {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
