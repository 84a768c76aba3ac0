package conformance

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestTCPPipelinedQueries sends several queries on one TCP connection
// before reading any answer (RFC 7766 section 6.2.1) and checks that every
// server answers each of them, and that anycloud's answers equal Knot's.
func TestTCPPipelinedQueries(t *testing.T) {
	knot, nsd := startKnot(t), startNSD(t)
	anycloud := startAnycloud(t, zones)
	queries := []querySpec{
		{Name: "www.sv.", Qtype: dns.TypeA, Qclass: dns.ClassINET, Questions: 1, TCP: true},
		{Name: "nothere.sv.", Qtype: dns.TypeA, Qclass: dns.ClassINET, Questions: 1, TCP: true},
		{Name: "x.w.gt.", Qtype: dns.TypeA, Qclass: dns.ClassINET, Questions: 1, TCP: true, EDNS: true, DO: true, BufSize: defaultBufSize},
		{Name: "big.sv.", Qtype: dns.TypeTXT, Qclass: dns.ClassINET, Questions: 1, TCP: true},
	}
	answers := map[string][]response{}
	for _, server := range []struct{ name, addr string }{{"knot", knot.Addr}, {"nsd", nsd.Addr}, {"anycloud", anycloud.Addr}} {
		got, err := pipeline(server.addr, queries)
		if err != nil {
			t.Errorf("%s: %v", server.name, err)
			continue
		}
		answers[server.name] = got
	}
	for i, q := range queries {
		if a, k := answers["anycloud"], answers["knot"]; a != nil && k != nil && !sameAnswer(a[i], k[i]) {
			t.Errorf("pipelined %s\n%s", q.Key(), lineDiff("knot", k[i], "anycloud", a[i]))
		}
	}
}

// pipeline writes all queries, then reads one answer per query in any
// order, and returns them in query order.
func pipeline(addr string, specs []querySpec) ([]response, error) {
	conn, err := net.DialTimeout("tcp", addr, queryTimeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * queryTimeout))
	co := &dns.Conn{Conn: conn}
	byID := map[uint16]int{}
	sent := make([]*dns.Msg, len(specs))
	for i, q := range specs {
		sent[i] = buildQuery(q)
		sent[i].Id = uint16(0x5000 + i) // distinct: random IDs could collide
		byID[sent[i].Id] = i
		if err := co.WriteMsg(sent[i]); err != nil {
			return nil, err
		}
	}
	out := make([]response, len(specs))
	for range specs {
		raw, err := co.ReadMsgHeader(nil)
		if err != nil {
			return nil, err
		}
		var hdr dns.Msg
		if err := hdr.Unpack(raw); err != nil {
			return nil, err
		}
		i, ok := byID[hdr.Id]
		if !ok {
			return nil, errUnexpectedID
		}
		out[i] = parseResponse(sent[i], raw)
	}
	return out, nil
}
