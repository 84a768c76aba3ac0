package xfr

import (
	"bytes"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// signedMessage returns an answer of n records (compressed names, an OPT
// record), signed with key as the message after requestMAC.
func signedMessage(t testing.TB, key *Key, n int, requestMAC string, timersOnly bool, signedAt time.Time) ([]byte, string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("example.", dns.TypeAXFR)
	m.Response = true
	m.Compress = true
	for i := range n {
		rr, err := dns.NewRR("d" + string(rune('a'+i%26)) + ".example. 300 IN NS ns1.d.example.")
		if err != nil {
			t.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	m.SetEdns0(1232, false)
	m.SetTsig(key.Name, key.Algorithm, 300, signedAt.Unix())
	buf, mac, err := dns.TsigGenerateWithProvider(m, Provider(key), requestMAC, timersOnly)
	if err != nil {
		t.Fatal(err)
	}
	return buf, mac
}

// miekgVerify is the reference: miekg's verification, on a copy since it
// rewrites the message's header.
func miekgVerify(key *Key, msg []byte, requestMAC string, timersOnly bool) error {
	return dns.TsigVerifyWithProvider(bytes.Clone(msg), Provider(key), requestMAC, timersOnly)
}

// TestVerifyTSIGAgreesWithMiekg checks the verifier against
// dns.TsigVerifyWithProvider on good messages and on every kind of damage.
func TestVerifyTSIGAgreesWithMiekg(t *testing.T) {
	key, err := NewKey("k.", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewKey("k.", "hmac-sha256", "b3RoZXItc2VjcmV0LW90aGVy")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first, firstMAC := signedMessage(t, key, 40, "", false, now)
	request, requestMAC := signedMessage(t, key, 0, "", false, now)
	reply, _ := signedMessage(t, key, 40, requestMAC, false, now)
	next, _ := signedMessage(t, key, 40, firstMAC, true, now)
	late, _ := signedMessage(t, key, 3, "", false, now.Add(-time.Hour))
	flip := func(msg []byte, at int) []byte {
		out := bytes.Clone(msg)
		out[at] ^= 0x20
		return out
	}
	tests := []struct {
		name       string
		key        *Key
		msg        []byte
		requestMAC string
		timersOnly bool
		want       error
	}{
		{"first message", key, first, "", false, nil},
		{"a request, no records", key, request, "", false, nil},
		{"reply to a signed request", key, reply, requestMAC, false, nil},
		{"later message, timers only", key, next, firstMAC, true, nil},
		{"another secret", other, first, "", false, dns.ErrSig},
		{"reply without the request MAC", key, reply, "", false, dns.ErrSig},
		{"later message read as a first", key, next, firstMAC, false, dns.ErrSig},
		{"a name's case changed", key, flip(first, bytes.Index(first, []byte("ns1"))), "", false, dns.ErrSig},
		{"the flags changed", key, flip(first, 2), "", false, dns.ErrSig},
		{"the MAC changed", key, flip(first, len(first)-10), "", false, dns.ErrSig},
		{"signed an hour ago", key, late, "", false, dns.ErrTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tsigVerifier{provider: Provider(tt.key)}
			_, got := v.verify(tt.msg, tt.requestMAC, tt.timersOnly, time.Now())
			ref := miekgVerify(tt.key, tt.msg, tt.requestMAC, tt.timersOnly)
			if got != tt.want || ref != tt.want {
				t.Fatalf("verify: %v, miekg: %v, want %v", got, ref, tt.want)
			}
		})
	}
	t.Run("cut messages", func(t *testing.T) {
		v := tsigVerifier{provider: Provider(key)}
		for n := range len(first) {
			if _, err := v.verify(first[:n], "", false, time.Now()); err == nil {
				t.Fatalf("a message cut to %d of %d bytes verifies", n, len(first))
			}
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		m := new(dns.Msg)
		m.SetQuestion("example.", dns.TypeSOA)
		buf, _ := m.Pack()
		v := tsigVerifier{provider: Provider(key)}
		if _, err := v.verify(buf, "", false, time.Now()); err != dns.ErrNoSig {
			t.Fatalf("unsigned message: %v, want %v", err, dns.ErrNoSig)
		}
	})
}

// FuzzVerifyTSIG feeds damaged messages: the verifier never panics, and
// never accepts what miekg's reference refuses.
func FuzzVerifyTSIG(f *testing.F) {
	key, err := NewKey("k.", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	first, mac := signedMessage(f, key, 5, "", false, now)
	next, _ := signedMessage(f, key, 5, mac, true, now)
	f.Add(first, false)
	f.Add(next, true)
	f.Fuzz(func(t *testing.T, msg []byte, timersOnly bool) {
		requestMAC := ""
		if timersOnly {
			requestMAC = mac
		}
		v := tsigVerifier{provider: Provider(key)}
		if _, err := v.verify(msg, requestMAC, timersOnly, time.Now()); err == nil {
			if ref := miekgVerify(key, msg, requestMAC, timersOnly); ref != nil {
				t.Fatalf("accepted a message miekg refuses (%v)", ref)
			}
		}
	})
}
