package testpeer

import (
	"anycloud/internal/peerconf"
	"encoding/hex"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var xfrKey = peerconf.TSIGKey{Name: "xfr-key.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("NSID %q is not hex: %v", s, err)
	}
	return b
}

// axfr transfers zone from addr, signed with key when key is not nil, and
// returns the records or the first error.
func axfr(addr, zone string, key *peerconf.TSIGKey) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetAxfr(zone)
	tr := &dns.Transfer{DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second}
	if key != nil {
		m.SetTsig(key.Name, dns.Fqdn(key.Algorithm), 300, time.Now().Unix())
		tr.TsigSecret = map[string]string{key.Name: key.Secret}
	}
	envelopes, err := tr.In(m, addr)
	if err != nil {
		return nil, err
	}
	var rrs []dns.RR
	for env := range envelopes {
		if env.Error != nil {
			return rrs, env.Error
		}
		rrs = append(rrs, env.RR...)
	}
	return rrs, nil
}

func TestTSIGTransferAllowedOnlyWithKey(t *testing.T) {
	zones := []peerconf.Zone{{Origin: "example.test.", File: exampleZone}}
	acl := []peerconf.ACL{{Address: "127.0.0.0/8", Key: xfrKey.Name, Transfer: true}}
	peers := map[string]func(t *testing.T) *Peer{
		"knot": func(t *testing.T) *Peer {
			return StartKnot(t, peerconf.KnotOptions{Zones: zones, Keys: []peerconf.TSIGKey{xfrKey}, ACLs: acl})
		},
		"nsd": func(t *testing.T) *Peer {
			return StartNSD(t, peerconf.NSDOptions{Zones: zones, Keys: []peerconf.TSIGKey{xfrKey}, ACLs: acl})
		},
	}
	for name, startPeer := range peers {
		t.Run(name, func(t *testing.T) {
			p := startPeer(t)
			rrs, err := axfr(p.Addr, "example.test.", &xfrKey)
			if err != nil {
				t.Fatalf("AXFR with TSIG: %v", err)
			}
			// 5 records in the file plus the closing SOA.
			if len(rrs) != 6 {
				t.Errorf("AXFR with TSIG: got %d records, want 6:\n%v", len(rrs), rrs)
			}
			if rrs, err := axfr(p.Addr, "example.test.", nil); err == nil {
				t.Errorf("AXFR without TSIG succeeded with %d records, want it refused", len(rrs))
			}
		})
	}
}

// TestKnotSecondaryOfNSDWithTSIG runs Knot as a secondary of NSD, the
// transfer signed with TSIG both ways.
func TestKnotSecondaryOfNSDWithTSIG(t *testing.T) {
	primary := StartNSD(t, peerconf.NSDOptions{
		Zones: []peerconf.Zone{{Origin: "example.test.", File: exampleZone}},
		Keys:  []peerconf.TSIGKey{xfrKey},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: xfrKey.Name, Transfer: true}},
	})
	secondary := StartKnot(t, peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: "example.test.", Primary: primary.Addr, PrimaryKey: xfrKey.Name}},
		Keys:  []peerconf.TSIGKey{xfrKey},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Key: xfrKey.Name, Notify: true}},
	})
	resp := exchange(t, secondary.Addr, "udp", query("www.example.test.", dns.TypeAAAA, dns.ClassINET))
	if len(resp.Answer) != 1 || !resp.Authoritative {
		t.Fatalf("secondary www AAAA: want one authoritative answer, got\n%v", resp)
	}
}

// TestKnotInterpretsCatalogFromNSD has Knot consume a catalog zone (RFC
// 9432) from NSD and then transfer the member zone it lists.
func TestKnotInterpretsCatalogFromNSD(t *testing.T) {
	primary := StartNSD(t, peerconf.NSDOptions{
		Zones: []peerconf.Zone{
			{Origin: "catalog.test.", File: "testdata/catalog.test.zone"},
			{Origin: "member.test.", File: "testdata/member.test.zone"},
		},
		ACLs: []peerconf.ACL{{Address: "127.0.0.0/8", Transfer: true}},
	})
	secondary := StartKnot(t, peerconf.KnotOptions{
		Zones: []peerconf.Zone{{Origin: "catalog.test.", Primary: primary.Addr, Catalog: true}},
		ACLs:  []peerconf.ACL{{Address: "127.0.0.0/8", Notify: true}},
	})
	if err := WaitSOA(secondary.Addr, "member.test.", ReadyTimeout); err != nil {
		t.Fatalf("catalog member not served by Knot: %v\n%s", err, secondary.Log())
	}
}
