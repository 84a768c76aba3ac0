package testpeer

import (
	"anycloud/internal/peerconf"
	"testing"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
)

const exampleZone = "testdata/example.test.zone"

var testIdentity = peerconf.Identity{Identity: "peer-id", Version: "peer-version", NSID: "peer-nsid"}

// starters runs each table test against both daemons.
var starters = []struct {
	name  string
	start func(t testing.TB, zones []peerconf.Zone) *Peer
}{
	{"knot", func(t testing.TB, zones []peerconf.Zone) *Peer {
		return StartKnot(t, peerconf.KnotOptions{Zones: zones, Identity: testIdentity})
	}},
	{"nsd", func(t testing.TB, zones []peerconf.Zone) *Peer {
		return StartNSD(t, peerconf.NSDOptions{Zones: zones, Identity: testIdentity})
	}},
}

func TestPeerServesZoneAndIdentity(t *testing.T) {
	for _, s := range starters {
		t.Run(s.name, func(t *testing.T) {
			p := s.start(t, []peerconf.Zone{{Origin: "example.test.", File: exampleZone}})
			resp := exchange(t, p.Addr, "udp", query("www.example.test.", dns.TypeA, dns.ClassINET))
			if !resp.Authoritative || len(resp.Answer) != 1 || resp.Answer[0].(*dns.A).A.String() != "192.0.2.80" {
				t.Fatalf("www.example.test. A: want one authoritative 192.0.2.80, got\n%v", resp)
			}
			if got := chaosTXT(t, p.Addr, "id.server."); got != testIdentity.Identity {
				t.Errorf("id.server. CH TXT = %q, want %q", got, testIdentity.Identity)
			}
			if got := nsid(t, p.Addr); got != testIdentity.NSID {
				t.Errorf("NSID = %q, want %q", got, testIdentity.NSID)
			}
		})
	}
}

func TestStartSkipsWhenBinaryMissing(t *testing.T) {
	for _, s := range starters {
		parent := t
		t.Run(s.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv(testenv.RequireAllEnv, "")   // the skip is what this test checks
			t.Setenv(testenv.LevelEnv, "interop") // not the skip of a unit-only run
			t.Cleanup(func() {
				if !t.Skipped() {
					parent.Errorf("%s: want a skip when the binary is not on PATH", s.name)
				}
			})
			s.start(t, []peerconf.Zone{{Origin: "example.test.", File: exampleZone}})
		})
	}
}

func TestWaitSOATimesOutOnSilentAddress(t *testing.T) {
	addr := "127.0.0.1:" + itoa(FreePort(t))
	start := time.Now()
	if err := WaitSOA(addr, "example.test.", 300*time.Millisecond); err == nil {
		t.Fatal("WaitSOA on a port nobody listens on returned nil")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("WaitSOA took %s, want it bounded by its timeout", elapsed)
	}
}
