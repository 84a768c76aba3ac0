package hub

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/adminstate"
	"anycloud/internal/secondary"
	"anycloud/internal/zonever"
)

// fuzzDNSYAML is a hub with one client zone (primary 192.0.2.1, its key),
// one node and a monitor query key; it is never run: the fuzz target calls
// its DNS handler directly.
const fuzzDNSYAML = `listen: ["127.0.0.1:1"]
storage: %s
catalog: catalog.anycloud.
clients:
  - name: example
    zones: [example.]
    primaries: ["192.0.2.1:53"]
    tsig: {name: client-key., algorithm: hmac-sha256, secret-file: client.key}
nodes:
  - name: node1
    address: 127.0.0.1:3
    tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
`

// fuzzWriter is a dns.ResponseWriter as miekg's server hands the handler:
// the request's TSIG status computed with the server's provider, replies
// signed the way miekg signs them (the first with the request MAC, the
// rest timers-only once the handler says so), each reply kept as bytes.
type fuzzWriter struct {
	local, remote net.Addr
	provider      dns.TsigProvider
	tsigStatus    error
	requestMAC    string
	timersOnly    bool
	replies       [][]byte
}

func (w *fuzzWriter) LocalAddr() net.Addr  { return w.local }
func (w *fuzzWriter) RemoteAddr() net.Addr { return w.remote }
func (w *fuzzWriter) WriteMsg(m *dns.Msg) error {
	var data []byte
	var err error
	if m.IsTsig() != nil {
		data, w.requestMAC, err = dns.TsigGenerateWithProvider(m, w.provider, w.requestMAC, w.timersOnly)
	} else {
		data, err = m.Pack()
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
func (w *fuzzWriter) Write(b []byte) (int, error) {
	w.replies = append(w.replies, append([]byte(nil), b...))
	return len(b), nil
}
func (w *fuzzWriter) Close() error          { return nil }
func (w *fuzzWriter) TsigStatus() error     { return w.tsigStatus }
func (w *fuzzWriter) TsigTimersOnly(b bool) { w.timersOnly = b }
func (w *fuzzWriter) Hijack()               {}

// countHandler counts the log records with one message: the hub logs
// "NOTIFY received" just before it wakes the zone's refresh.
type countHandler struct {
	msg string
	n   *atomic.Int64
}

func (c countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (c countHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == c.msg {
		c.n.Add(1)
	}
	return nil
}
func (c countHandler) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c countHandler) WithGroup(string) slog.Handler      { return c }

// newDNSFuzzHub is a hub serving example. at serial 2 with a journal from
// serial 1, so SOA, AXFR and IXFR all have something to answer, and with
// the zone's refresh loop not running (a NOTIFY only queues a wake-up).
func newDNSFuzzHub(f *testing.F) (*Hub, *atomic.Int64) {
	dir := f.TempDir()
	for name, secret := range map[string]string{"client.key": clientSecret, "node.key": nodeSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret+"\n"), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	cfg, err := ParseConfig([]byte(strings.Replace(fuzzDNSYAML, "%s", filepath.Join(dir, "storage"), 1)), dir)
	if err != nil {
		f.Fatal(err)
	}
	notifies := new(atomic.Int64)
	h, err := New(cfg, slog.New(countHandler{msg: "NOTIFY received", n: notifies}))
	if err != nil {
		f.Fatal(err)
	}
	v1 := parseVersion(f, fuzzZone(1, "a 60 IN A 192.0.2.1\n"))
	v2 := parseVersion(f, fuzzZone(2, "a 60 IN A 192.0.2.2\nb 60 IN TXT hello\n"))
	z := &servedZone{origin: "example.", client: "example", done: make(chan struct{})}
	z.cur.Store(&content{version: v2, journal: zonever.NewJournal([]zonever.Delta{zonever.Diff(v1, v2)})})
	z.sec = &secondary.Zone{Origin: "example.", Log: h.log}
	h.zones["example."] = z
	return h, notifies
}

func fuzzZone(serial int, extra string) string {
	return "$ORIGIN example.\n@ 60 IN SOA ns.example. admin.example. " + strconv.Itoa(serial) + " 60 60 600 60\n@ 60 IN NS ns\nns 60 IN A 192.0.2.53\n" + extra
}

// Who signs the fuzzed request before it reaches the hub (signWith).
const (
	signNone   = iota // the bytes as fuzzed
	signNode          // node1-key, the key transfers need
	signClient        // client-key, the key NOTIFY may carry
	signWrong         // node1-key's name with another secret
	signKinds
)

// signRequest re-signs a fuzzed message (any TSIG it had dropped) so the
// fuzzer reaches the code behind the TSIG check; what does not unpack is
// sent as is.
func signRequest(raw []byte, who uint8) []byte {
	if who%signKinds == signNone {
		return raw
	}
	m := new(dns.Msg)
	if m.Unpack(raw) != nil {
		return raw
	}
	if t := m.IsTsig(); t != nil {
		m.Extra = m.Extra[:len(m.Extra)-1]
	}
	name, secret := "node1-key.", nodeSecret
	switch who % signKinds {
	case signClient:
		name, secret = "client-key.", clientSecret
	case signWrong:
		secret = clientSecret
	}
	m.SetTsig(name, dns.HmacSHA256, 300, time.Now().Unix())
	out, _, err := dns.TsigGenerate(m, secret, "", false)
	if err != nil {
		return raw
	}
	return out
}

// verifiesWith reports whether raw is signed with the named key and its
// signature verifies with secret: the fuzz target's own judgement of what
// the hub may trust, independent of the hub's key ring.
func verifiesWith(raw []byte, req *dns.Msg, name, secret string) bool {
	t := req.IsTsig()
	if t == nil || dns.CanonicalName(t.Hdr.Name) != name {
		return false
	}
	return dns.TsigVerify(append([]byte(nil), raw...), secret, "", false) == nil
}

// FuzzHubDNS feeds raw DNS messages (NOTIFY, SOA, AXFR, IXFR with a SOA in
// the authority section, anything) from a chosen source over UDP or TCP to
// the handler the hub's DNS server runs, after miekg's own accept filter
// and TSIG check, as the server does. No message panics the hub; each
// reply unpacks and carries the request's ID with QR set; zone data
// (answer records) goes only to a request signed with the node's key that
// verifies; and a NOTIFY wakes the zone's refresh exactly when it is for
// the client's zone and is signed with the client's key (verifying) or
// unsigned from the client's primary.
func FuzzHubDNS(f *testing.F) {
	soa := func(serial uint32) *dns.SOA {
		return &dns.SOA{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
			Ns: "ns.example.", Mbox: "admin.example.", Serial: serial, Refresh: 60, Retry: 60, Expire: 600, Minttl: 60}
	}
	pack := func(m *dns.Msg) []byte {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	notify := new(dns.Msg).SetNotify("example.")
	notify.Answer = []dns.RR{soa(3)}
	ixfr := new(dns.Msg).SetIxfr("example.", 1, "ns.example.", "admin.example.")
	ixfrOld := new(dns.Msg).SetIxfr("example.", 0, "ns.example.", "admin.example.")
	ixfrNew := new(dns.Msg).SetIxfr("example.", 2, "ns.example.", "admin.example.")
	axfr := new(dns.Msg).SetAxfr("example.")
	soaQ := new(dns.Msg).SetQuestion("example.", dns.TypeSOA)
	soaQ.SetEdns0(1232, false)
	soaQ.IsEdns0().Option = append(soaQ.IsEdns0().Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
	state := new(dns.Msg).SetQuestion(adminstate.NodeStateName, dns.TypeTXT)
	other := new(dns.Msg).SetNotify("other.example.")
	for _, m := range []*dns.Msg{notify, ixfr, ixfrOld, ixfrNew, axfr, soaQ, state, other} {
		raw := pack(m)
		for who := range uint8(signKinds) {
			f.Add(raw, who, true, false)
			f.Add(raw, who, false, true)
		}
	}
	// A message already signed (timestamps of now): the fuzzer damages it.
	f.Add(signRequest(pack(axfr), signNode), uint8(signNone), true, false)
	f.Add([]byte{0, 1, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0}, uint8(signNone), false, false)

	h, notifies := newDNSFuzzHub(f)
	primary := &net.UDPAddr{IP: net.ParseIP("192.0.2.1"), Port: 53}
	stranger := &net.UDPAddr{IP: net.ParseIP("198.51.100.7"), Port: 53}
	f.Fuzz(func(t *testing.T, raw []byte, who uint8, tcp, fromPrimary bool) {
		raw = signRequest(raw, who)
		if len(raw) < 12 {
			return
		}
		w := &fuzzWriter{provider: h.keyring(), remote: net.Addr(stranger)}
		w.local = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
		if tcp {
			w.local = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
		}
		if fromPrimary {
			w.remote = primary
		}
		// What miekg's server does before the handler (server.go serveDNS).
		var dh dns.Header
		dh.Id, dh.Bits = uint16(raw[0])<<8|uint16(raw[1]), uint16(raw[2])<<8|uint16(raw[3])
		dh.Qdcount, dh.Ancount = uint16(raw[4])<<8|uint16(raw[5]), uint16(raw[6])<<8|uint16(raw[7])
		dh.Nscount, dh.Arcount = uint16(raw[8])<<8|uint16(raw[9]), uint16(raw[10])<<8|uint16(raw[11])
		if acceptNotifyAndQueries(dh) != dns.MsgAccept {
			return
		}
		req := new(dns.Msg)
		if req.Unpack(raw) != nil {
			return
		}
		if tsig := req.IsTsig(); tsig != nil {
			// miekg's verification rewrites the buffer's ARCOUNT: a copy.
			w.tsigStatus = dns.TsigVerifyWithProvider(append([]byte(nil), raw...), w.provider, "", false)
			w.requestMAC = tsig.MAC
		}
		before := notifies.Load()
		h.serveDNS(w, req)
		woken := notifies.Load() - before

		answered := false
		for i, b := range w.replies {
			resp := new(dns.Msg)
			if err := resp.Unpack(b); err != nil {
				t.Fatalf("reply %d does not unpack: %v", i, err)
			}
			if resp.Id != req.Id || !resp.Response {
				t.Fatalf("reply %d: ID %d response %v to request ID %d", i, resp.Id, resp.Response, req.Id)
			}
			answered = answered || len(resp.Answer) > 0
		}
		nodeSigned := verifiesWith(raw, req, "node1-key.", nodeSecret)
		if answered && !nodeSigned {
			t.Fatalf("zone data answered to a request not signed with the node's key:\n%v", req)
		}
		if req.Opcode != dns.OpcodeNotify {
			if woken != 0 {
				t.Fatalf("a non-NOTIFY woke the refresh:\n%v", req)
			}
			return
		}
		forZone := len(req.Question) == 1 && dns.CanonicalName(req.Question[0].Name) == "example."
		trusted := verifiesWith(raw, req, "client-key.", clientSecret) || req.IsTsig() == nil && fromPrimary
		if want := forZone && trusted; (woken == 1) != want || woken > 1 {
			t.Fatalf("NOTIFY woke the refresh %d times, want %v (for the zone %v, trusted %v):\n%v", woken, want, forZone, trusted, req)
		}
	})
}
