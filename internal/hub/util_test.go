package hub

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func soaWithSerial(soa *dns.SOA, serial uint32) *dns.SOA {
	c := dns.Copy(soa).(*dns.SOA)
	c.Serial = serial
	return c
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}
