package store

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// fileBase turns a zone origin into a file name: lower case, no trailing
// dot, every byte outside [a-z0-9-_.] percent-encoded so no origin can
// escape the directory or collide with another. The root zone is "root".
func fileBase(origin string) string {
	name := strings.TrimSuffix(strings.ToLower(dns.CanonicalName(origin)), ".")
	if name == "" {
		return "root"
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		case c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}
