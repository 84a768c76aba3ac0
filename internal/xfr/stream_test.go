package xfr

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func rrs(t *testing.T, text string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rr)
	}
	return out
}

func soa(serial string) string { return "example. 60 SOA ns admin " + serial + " 1 1 1 1" }

// TestStream feeds transfer answers split into messages and checks when the
// answer is complete and how it is read.
func TestStream(t *testing.T) {
	a := "a.example. 60 A 192.0.2.1"
	b := "b.example. 60 A 192.0.2.2"
	tests := []struct {
		name     string
		qtype    uint16
		messages []string
		kind     Kind
		deltas   int
	}{
		{"AXFR in one message", dns.TypeAXFR, []string{soa("5") + "\n" + a + "\n" + soa("5")}, KindAXFR, 0},
		{"AXFR over three messages", dns.TypeAXFR, []string{soa("5"), a, b + "\n" + soa("5")}, KindAXFR, 0},
		{"IXFR up to date", dns.TypeIXFR, []string{soa("5")}, KindUpToDate, 0},
		{"IXFR incremental", dns.TypeIXFR, []string{soa("5") + "\n" + soa("4") + "\n" + a + "\n" + soa("5") + "\n" + b + "\n" + soa("5")}, KindIXFR, 1},
		{"IXFR two deltas, split after a delta's new SOA", dns.TypeIXFR, []string{
			soa("6") + "\n" + soa("4") + "\n" + a + "\n" + soa("5"),
			soa("5") + "\n" + soa("6"),
			b + "\n" + soa("6")}, KindIXFR, 2},
		{"IXFR delta with no additions before the close", dns.TypeIXFR, []string{soa("5") + "\n" + soa("4") + "\n" + a + "\n" + soa("5"), soa("5")}, KindIXFR, 1},
		{"AXFR-style IXFR", dns.TypeIXFR, []string{soa("5") + "\n" + a, b + "\n" + soa("5")}, KindIXFRFull, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{origin: "example.", qtype: tt.qtype, have: 4}
			for i, m := range tt.messages {
				if s.done {
					t.Fatalf("complete before message %d", i)
				}
				if err := s.add(rrs(t, m)); err != nil {
					t.Fatal(err)
				}
			}
			if !s.done {
				t.Fatal("not complete after the last message")
			}
			r, err := s.result()
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != tt.kind || len(r.Deltas) != tt.deltas {
				t.Fatalf("kind %s deltas %d, want %s %d", r.Kind, len(r.Deltas), tt.kind, tt.deltas)
			}
		})
	}
}

func TestStreamRejectsForeignStart(t *testing.T) {
	s := &stream{origin: "example.", qtype: dns.TypeAXFR}
	if err := s.add(rrs(t, "a.example. 60 A 192.0.2.1")); err == nil {
		t.Fatal("answer without the SOA first accepted")
	}
}

// A key is bound to its algorithm: a message signed with the right secret
// but another algorithm does not verify.
func TestKeyringAlgorithmBound(t *testing.T) {
	k, err := NewKey("k.", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	if err != nil {
		t.Fatal(err)
	}
	p := Provider(k)
	tsig := &dns.TSIG{Hdr: dns.RR_Header{Name: "k."}, Algorithm: dns.HmacSHA1}
	if _, err := p.Generate([]byte("x"), tsig); err != dns.ErrKeyAlg {
		t.Fatalf("sha1 with a sha256 key: %v", err)
	}
	tsig.Algorithm = dns.HmacSHA256
	mac, err := p.Generate([]byte("x"), tsig)
	if err != nil {
		t.Fatal(err)
	}
	tsig.MAC = strings.ToUpper(hexString(mac))
	if err := p.Verify([]byte("x"), tsig); err != nil {
		t.Fatalf("own signature does not verify: %v", err)
	}
	if err := p.Verify([]byte("y"), tsig); err != dns.ErrSig {
		t.Fatalf("other message verifies: %v", err)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
