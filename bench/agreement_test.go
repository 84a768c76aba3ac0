package main

import (
	"testing"

	"github.com/miekg/dns"
)

func msgWith(t *testing.T, rcode int, answer, ns, extra []string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("www.d1.tld.", dns.TypeA)
	m.Rcode, m.Authoritative = rcode, len(answer) > 0 || rcode == dns.RcodeNameError
	for _, sec := range []struct {
		dst *[]dns.RR
		src []string
	}{{&m.Answer, answer}, {&m.Ns, ns}, {&m.Extra, extra}} {
		for _, s := range sec.src {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			*sec.dst = append(*sec.dst, rr)
		}
	}
	return m
}

func TestShapeOf(t *testing.T) {
	referral := msgWith(t, dns.RcodeSuccess, nil,
		[]string{"d1.tld. 86400 IN NS ns1.d1.tld.", "d1.tld. 86400 IN NS ns2.d1.tld."},
		[]string{"ns1.d1.tld. 86400 IN A 198.18.0.1", "ns2.d1.tld. 86400 IN A 198.18.0.1"})
	tests := []struct {
		name string
		a, b *dns.Msg
		same bool
	}{
		{"identical referral", referral, referral.Copy(), true},
		{"TTL and order do not matter", referral, msgWith(t, dns.RcodeSuccess, nil,
			[]string{"d1.tld. 3600 IN NS ns2.d1.tld.", "d1.tld. 3600 IN NS ns1.d1.tld."},
			[]string{"ns2.d1.tld. 60 IN A 198.18.0.1", "ns1.d1.tld. 60 IN A 198.18.0.1"}), true},
		{"missing glue differs", referral, msgWith(t, dns.RcodeSuccess, nil,
			[]string{"d1.tld. 86400 IN NS ns1.d1.tld.", "d1.tld. 86400 IN NS ns2.d1.tld."}, nil), false},
		{"rcode differs", referral, msgWith(t, dns.RcodeRefused, nil, nil, nil), false},
		{"extras beside an answer are optional",
			msgWith(t, dns.RcodeSuccess, []string{"www.d1.tld. 60 IN A 192.0.2.1"}, []string{"tld. 60 IN NS a.tld."}, nil),
			msgWith(t, dns.RcodeSuccess, []string{"www.d1.tld. 60 IN A 192.0.2.1"}, nil, nil), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			same, total, _ := agreement([]answerShape{shapeOf(tc.a)}, []answerShape{shapeOf(tc.b)})
			if total != 1 || (same == 1) != tc.same {
				t.Errorf("same=%d total=%d, want same=%v\n%s\n%s", same, total, tc.same, shapeOf(tc.a), shapeOf(tc.b))
			}
		})
	}
}
