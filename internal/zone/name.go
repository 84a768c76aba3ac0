package zone

import (
	"bytes"

	"github.com/miekg/dns"
)

// Names inside a snapshot are kept in uncompressed wire format, lower-cased,
// so that lookups are byte comparisons and answers copy them as they are.

// lowerByte folds ASCII upper case; DNS names compare case-insensitively in
// ASCII only (RFC 4343).
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// wireName converts a presentation name to lower-case uncompressed wire form.
func wireName(s string) ([]byte, error) {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.Fqdn(s), buf, 0, nil, false)
	if err != nil {
		return nil, err
	}
	buf = buf[:n]
	LowerWire(buf)
	return buf, nil
}

// LowerWire lower-cases the label bytes of an uncompressed wire name in place.
func LowerWire(name []byte) {
	for i := 0; i < len(name) && name[i] != 0; {
		l := int(name[i])
		for j := i + 1; j <= i+l && j < len(name); j++ {
			name[j] = lowerByte(name[j])
		}
		i += l + 1
	}
}

// LabelCount is the number of labels in a wire name, the root not counted.
func LabelCount(name []byte) int {
	n := 0
	for i := 0; i < len(name) && name[i] != 0; i += int(name[i]) + 1 {
		n++
	}
	return n
}

// parentOf returns the wire name one label up, or nil for the root.
func parentOf(name []byte) []byte {
	if len(name) == 0 || name[0] == 0 {
		return nil
	}
	return name[int(name[0])+1:]
}

// IsBelowOrEqual reports whether name is at or below ancestor (both lower-case wire).
func IsBelowOrEqual(name, ancestor []byte) bool {
	if len(name) < len(ancestor) || !bytes.Equal(name[len(name)-len(ancestor):], ancestor) {
		return false
	}
	// The suffix must start on a label boundary.
	for i := 0; i < len(name); i += int(name[i]) + 1 {
		if i == len(name)-len(ancestor) {
			return true
		}
		if name[i] == 0 {
			break
		}
	}
	return false
}

// labelsOf fills offs with the offset of every label start in name, the
// root's included, and returns the filled slice.
func labelsOf(name []byte, offs []int) []int {
	offs = offs[:0]
	for i := 0; i < len(name); i += int(name[i]) + 1 {
		offs = append(offs, i)
		if name[i] == 0 {
			break
		}
	}
	return offs
}

// CompareCanonical orders two lower-case wire names as RFC 4034 6.1 does:
// label by label from the right, each label as an unsigned byte string.
func CompareCanonical(a, b []byte) int {
	var ao, bo [128]int
	as := labelsOf(a, ao[:0])
	bs := labelsOf(b, bo[:0])
	i, j := len(as)-2, len(bs)-2 // skip the root label
	for i >= 0 && j >= 0 {
		la := a[as[i]+1 : as[i]+1+int(a[as[i]])]
		lb := b[bs[j]+1 : bs[j]+1+int(b[bs[j]])]
		if c := bytes.Compare(la, lb); c != 0 {
			return c
		}
		i--
		j--
	}
	switch {
	case i < 0 && j < 0:
		return 0
	case i < 0:
		return -1
	default:
		return 1
	}
}

// presentation turns a wire name back into text, for errors and logs only.
func presentation(name []byte) string {
	s, _, err := dns.UnpackDomainName(name, 0)
	if err != nil {
		return "<bad name>"
	}
	return s
}
