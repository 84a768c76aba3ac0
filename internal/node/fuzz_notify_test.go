package node

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/secondary"
)

// fuzzNodeYAML has two hub addresses, one of each family, so the fuzz
// target can send from either, from their IPv4-mapped forms, and from
// strangers.
const fuzzNodeYAML = `listen: ["127.0.0.1:53"]
storage: %s
catalog: catalog.anycloud.
hub:
  addresses: ["192.0.2.5:5353", "[2001:db8::5]:53"]
  tsig: {name: n1-key., algorithm: hmac-sha256, secret-file: node.key}
`

// notifyCounter counts the log records of the message the node logs just
// before it wakes a zone's refresh.
type notifyCounter struct{ n *atomic.Int64 }

func (c notifyCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c notifyCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "NOTIFY from a hub" {
		c.n.Add(1)
	}
	return nil
}
func (c notifyCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c notifyCounter) WithGroup(string) slog.Handler      { return c }

// notifySources are the addresses a fuzzed NOTIFY comes from, with
// whether each is one of the node's hubs (the port never matters).
var notifySources = []struct {
	addr string
	hub  bool
}{
	{"192.0.2.5:5353", true},
	{"192.0.2.5:53", true},
	{"[::ffff:192.0.2.5]:53", true},
	{"[2001:db8::5]:53", true},
	{"192.0.2.6:5353", false},
	{"198.51.100.7:53", false},
	{"[2001:db8::6]:53", false},
	{"127.0.0.1:53", false},
	{"[::]:0", false},
}

// notifySigning is how a fuzzed NOTIFY is signed before the node sees it:
// as it came (any TSIG in it is garbage to the node), with the node's hub
// key, or with the right key name and another secret.
const (
	signAsIs = iota
	signHubKey
	signWrongSecret
	signModes
)

// FuzzNodeNotify feeds raw messages, as the authoritative server hands a
// NOTIFY to the node after unpacking it, from hub and other addresses,
// unsigned or signed with the right or a wrong secret. No message panics
// the node; the reply carries the request's ID; and a refresh is woken
// exactly when a NOTIFY with one question for a served zone (the catalog
// or a member) comes from a hub address signed with the node's hub key.
func FuzzNodeNotify(f *testing.F) {
	for _, zone := range []string{"catalog.anycloud.", "member.example.", "MEMBER.example.", "other.example.", "."} {
		m := new(dns.Msg).SetNotify(zone)
		m.Answer = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
			Ns: "ns.example.", Mbox: "admin.example.", Serial: 7}}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		for i := range notifySources {
			for mode := range signModes {
				f.Add(b, uint8(i), uint8(mode))
			}
		}
	}
	q := new(dns.Msg).SetQuestion("member.example.", dns.TypeSOA)
	q.Opcode = dns.OpcodeNotify
	q.Question = append(q.Question, q.Question[0])
	b, _ := q.Pack()
	f.Add(b, uint8(0), uint8(signHubKey))

	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "node.key"), []byte(nodeSecret), 0o600); err != nil {
		f.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(strings.Replace(fuzzNodeYAML, "%s", filepath.Join(dir, "storage"), 1)), dir)
	if err != nil {
		f.Fatal(err)
	}
	woken := new(atomic.Int64)
	n, err := New(cfg, slog.New(notifyCounter{woken}))
	if err != nil {
		f.Fatal(err)
	}
	// The zones' refresh loops are not running: a NOTIFY queues a wake-up.
	n.catalog = &member{origin: "catalog.anycloud.", sec: &secondary.Zone{Origin: "catalog.anycloud."}}
	n.members["member.example."] = &member{origin: "member.example.", sec: &secondary.Zone{Origin: "member.example."}}
	served := map[string]bool{"catalog.anycloud.": true, "member.example.": true}
	// Every NOTIFY wakes its zone at once: spacing is TestNotifyRefreshesSpaced's.
	gap := notifyGap
	notifyGap = 0
	f.Cleanup(func() { notifyGap = gap })

	f.Fuzz(func(t *testing.T, raw []byte, from, signing uint8) {
		src := notifySources[int(from)%len(notifySources)]
		mode := int(signing) % signModes
		req := new(dns.Msg)
		if req.Unpack(raw) != nil || req.Opcode != dns.OpcodeNotify || req.Response {
			return // the server answers these itself, the node never sees them
		}
		if mode != signAsIs {
			if raw = signNotify(req, mode); raw == nil {
				return
			}
			req = new(dns.Msg)
			if req.Unpack(raw) != nil {
				return
			}
		}
		before := woken.Load()
		out := n.handleNotify(raw, req, netip.MustParseAddrPort(src.addr))
		got := woken.Load() - before
		back := new(dns.Msg)
		if err := back.Unpack(out); err != nil || back.Id != req.Id || !back.Response {
			t.Fatalf("reply %v (err %v) does not answer request ID %d", back, err, req.Id)
		}
		want := mode == signHubKey && src.hub && len(req.Question) == 1 && served[strings.ToLower(dns.CanonicalName(req.Question[0].Name))]
		if (got == 1) != want || got > 1 {
			t.Fatalf("NOTIFY from %s woke %d refreshes, want %v:\n%v", src.addr, got, want, req)
		}
		if want != (back.Rcode == dns.RcodeSuccess) {
			t.Fatalf("NOTIFY from %s answered %s, woke %d:\n%v", src.addr, dns.RcodeToString[back.Rcode], got, req)
		}
	})
}

// signNotify signs req (any TSIG it carried removed) with the node's key
// name and the hub's secret, or another secret; nil when it cannot be.
func signNotify(req *dns.Msg, mode int) []byte {
	if t := req.IsTsig(); t != nil {
		req.Extra = req.Extra[:len(req.Extra)-1]
	}
	secret := nodeSecret
	if mode == signWrongSecret {
		secret = "d3Jvbmcgc2VjcmV0IGZvciB0aGUgbm9kZQ=="
	}
	req.SetTsig("n1-key.", dns.HmacSHA256, 300, time.Now().Unix())
	out, _, err := dns.TsigGenerate(req, secret, "", false)
	if err != nil {
		return nil
	}
	return out
}
