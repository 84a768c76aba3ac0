package zonetext

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// Every reader of rdata below accepts a subset of what miekg accepts for
// the type and produces the wire form miekg's PackRR gives for it; any
// other text returns false and goes to miekg.

// fastType is the type a token names, if it is one read here (0 if not).
func fastType(t []byte) uint16 {
	if len(t) > 10 {
		return 0
	}
	var u [10]byte
	for i, c := range t {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		u[i] = c
	}
	switch string(u[:len(t)]) {
	case "A":
		return dns.TypeA
	case "AAAA":
		return dns.TypeAAAA
	case "NS":
		return dns.TypeNS
	case "CNAME":
		return dns.TypeCNAME
	case "PTR":
		return dns.TypePTR
	case "DNAME":
		return dns.TypeDNAME
	case "MX":
		return dns.TypeMX
	case "SRV":
		return dns.TypeSRV
	case "SOA":
		return dns.TypeSOA
	case "DS":
		return dns.TypeDS
	case "DNSKEY":
		return dns.TypeDNSKEY
	case "RRSIG":
		return dns.TypeRRSIG
	case "NSEC":
		return dns.TypeNSEC
	case "NSEC3":
		return dns.TypeNSEC3
	case "NSEC3PARAM":
		return dns.TypeNSEC3PARAM
	}
	if len(t) > 4 && string(u[:4]) == "TYPE" {
		// A type miekg has no code for is read in RFC 3597's generic form.
		v, ok := parseUint(t[4:], 16)
		if _, known := dns.TypeToRR[uint16(v)]; ok && v != 0 && !known {
			return uint16(v)
		}
	}
	return 0
}

// appendGeneric reads RFC 3597 rdata, "\# length hex...", as miekg reads
// it for a type it has no code for: the hex digits must be twice length.
func (rd *reader) appendGeneric(b, line []byte, i int) ([]byte, bool) {
	if t := rd.tok(line, i); len(t) != 2 || t[0] != '\\' || t[1] != '#' || i+1 >= rd.ntoks {
		return b, false
	}
	l, ok := parseUint(rd.tok(line, i+1), 16)
	if !ok {
		return b, false
	}
	if l == 0 {
		return b, i+2 == rd.ntoks
	}
	if i+2 >= rd.ntoks {
		return b, false
	}
	h := rd.concat(line, i+2)
	if len(h) != 2*int(l) {
		return b, false
	}
	return appendHex(b, h)
}

// rdata encodes the tokens from index i on as rdata of rtype.
func (rd *reader) rdata(rtype uint16, line []byte, i int) ([]byte, bool) {
	n := rd.ntoks - i
	b := rd.rd[:0]
	ok := false
	switch rtype {
	default:
		b, ok = rd.appendGeneric(b, line, i)
	case dns.TypeA:
		if n == 1 {
			b, ok = appendIPv4(b, rd.tok(line, i))
		}
	case dns.TypeAAAA:
		if n == 1 {
			b, ok = appendIPv6(b, rd.tok(line, i))
		}
	case dns.TypeNS, dns.TypeCNAME, dns.TypePTR, dns.TypeDNAME:
		if n == 1 {
			b, ok = rd.appendName(b, rd.tok(line, i))
		}
	case dns.TypeMX:
		if n == 2 {
			if b, ok = appendUint(b, rd.tok(line, i), 16); ok {
				b, ok = rd.appendName(b, rd.tok(line, i+1))
			}
		}
	case dns.TypeSRV:
		if n == 4 {
			if b, ok = appendUints(b, line, rd, i, 16, 16, 16); ok {
				b, ok = rd.appendName(b, rd.tok(line, i+3))
			}
		}
	case dns.TypeSOA:
		if n == 7 {
			if b, ok = rd.appendName(b, rd.tok(line, i)); ok {
				b, ok = rd.appendName(b, rd.tok(line, i+1))
			}
			for k := i + 2; ok && k < i+7; k++ {
				b, ok = appendUint(b, rd.tok(line, k), 32)
			}
		}
	case dns.TypeDS:
		if n >= 4 {
			b, ok = appendUints(b, line, rd, i, 16, 8, 8)
			if ok {
				b, ok = appendHex(b, rd.concat(line, i+3))
			}
		}
	case dns.TypeDNSKEY:
		if n >= 4 {
			b, ok = appendUints(b, line, rd, i, 16, 8, 8)
			if ok {
				b, ok = appendBase64(b, rd.concat(line, i+3))
			}
		}
	case dns.TypeRRSIG:
		b, ok = rd.rrsig(b, line, i, n)
	case dns.TypeNSEC:
		if n >= 1 {
			if b, ok = rd.appendName(b, rd.tok(line, i)); ok {
				b, ok = rd.appendBitmap(b, line, i+1)
			}
		}
	case dns.TypeNSEC3:
		if n >= 5 {
			b, ok = appendUints(b, line, rd, i, 8, 8, 16)
			if ok {
				b, ok = appendSalt(b, rd.tok(line, i+3))
			}
			if ok {
				b, ok = appendHash(b, rd.tok(line, i+4))
			}
			if ok {
				b, ok = rd.appendBitmap(b, line, i+5)
			}
		}
	case dns.TypeNSEC3PARAM:
		if n == 4 {
			b, ok = appendUints(b, line, rd, i, 8, 8, 16)
			if ok {
				b, ok = appendSalt(b, rd.tok(line, i+3))
			}
		}
	}
	if !ok || len(b) > math.MaxUint16 {
		return nil, false
	}
	rd.rd = b[:0]
	return b, true
}

func (rd *reader) rrsig(b, line []byte, i, n int) ([]byte, bool) {
	if n < 9 {
		return b, false
	}
	covered, ok := typeCode(rd.tok(line, i))
	if !ok {
		return b, false
	}
	b = binary.BigEndian.AppendUint16(b, covered)
	if b, ok = appendUints(b, line, rd, i+1, 8, 8, 32); !ok {
		return b, false
	}
	for k := i + 4; k < i+6; k++ {
		t, ok := sigTime(rd.tok(line, k))
		if !ok {
			return b, false
		}
		b = binary.BigEndian.AppendUint32(b, t)
	}
	if b, ok = appendUint(b, rd.tok(line, i+6), 16); !ok {
		return b, false
	}
	if b, ok = rd.appendName(b, rd.tok(line, i+7)); !ok {
		return b, false
	}
	return appendBase64(b, rd.concat(line, i+8))
}

// appendName appends the wire form of a name token as miekg's
// toAbsoluteName and PackDomainName make it: "@" is the origin, a name
// without a final dot is relative to it. Only plain tokens come here (no
// escapes); anything IsDomainName refuses, or a name over 255 octets,
// returns false.
func (rd *reader) appendName(dst, t []byte) ([]byte, bool) {
	switch {
	case len(t) == 0:
		return dst, false
	case len(t) == 1 && t[0] == '@':
		return append(dst, rd.originWire...), true
	case len(t) == 1 && t[0] == '.':
		return append(dst, 0), true
	case t[0] == '.':
		return dst, false
	}
	for _, c := range t {
		if c == '\\' {
			return dst, false // escapes are miekg's
		}
	}
	start := len(dst)
	abs := t[len(t)-1] == '.'
	if abs {
		t = t[:len(t)-1]
	}
	for len(t) > 0 {
		j := 0
		for j < len(t) && t[j] != '.' {
			j++
		}
		if j == 0 || j > 63 {
			return dst, false
		}
		dst = append(dst, byte(j))
		dst = append(dst, t[:j]...)
		if j == len(t) {
			break
		}
		t = t[j+1:]
		if len(t) == 0 {
			return dst, false // ".." at the end
		}
	}
	if abs {
		dst = append(dst, 0)
	} else {
		dst = append(dst, rd.originWire...)
	}
	return dst, len(dst)-start <= 255
}

// concat joins the tokens from i on, as miekg's endingToString does for
// base64 and hex fields written in pieces.
func (rd *reader) concat(line []byte, i int) []byte {
	if i == rd.ntoks-1 {
		return rd.tok(line, i)
	}
	c := rd.cat[:0]
	for ; i < rd.ntoks; i++ {
		c = append(c, rd.tok(line, i)...)
	}
	rd.cat = c
	return c
}

// appendBitmap encodes NSEC/NSEC3 type tokens; they must be in strictly
// increasing order (miekg packs some other orders, which go to it).
func (rd *reader) appendBitmap(b, line []byte, i int) ([]byte, bool) {
	var window [32]byte
	win, max, last := -1, -1, -1
	flush := func() {
		if win >= 0 {
			b = append(b, byte(win), byte(max+1))
			b = append(b, window[:max+1]...)
			window = [32]byte{}
		}
	}
	for ; i < rd.ntoks; i++ {
		t, ok := typeCode(rd.tok(line, i))
		if !ok || int(t) <= last {
			return b, false
		}
		last = int(t)
		if w := int(t >> 8); w != win {
			flush()
			win = w
		}
		o := int(t&0xff) / 8
		window[o] |= 1 << (7 - t%8)
		max = o
	}
	flush()
	return b, true
}

// typeCode reads a type mnemonic (any case) or TYPEn.
func typeCode(t []byte) (uint16, bool) {
	if len(t) > 16 {
		return 0, false
	}
	var u [16]byte
	for i, c := range t {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		u[i] = c
	}
	if v, ok := dns.StringToType[string(u[:len(t)])]; ok {
		return v, true
	}
	if len(t) > 4 && string(u[:4]) == "TYPE" {
		v, ok := parseUint(t[4:], 16)
		return uint16(v), ok
	}
	return 0, false
}

func isDigits(t []byte) bool {
	if len(t) == 0 {
		return false
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseUint is strconv.ParseUint(t, 10, bits).
func parseUint(t []byte, bits uint) (uint64, bool) {
	if !isDigits(t) || len(t) > 20 {
		return 0, false
	}
	var v uint64
	max := uint64(1)<<bits - 1
	for _, c := range t {
		if v > (max-uint64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

func appendUint(b, t []byte, bits uint) ([]byte, bool) {
	v, ok := parseUint(t, bits)
	if !ok {
		return b, false
	}
	switch bits {
	case 8:
		return append(b, byte(v)), true
	case 16:
		return binary.BigEndian.AppendUint16(b, uint16(v)), true
	default:
		return binary.BigEndian.AppendUint32(b, uint32(v)), true
	}
}

func appendUints(b, line []byte, rd *reader, i int, bits ...uint) ([]byte, bool) {
	ok := true
	for k, w := range bits {
		if b, ok = appendUint(b, rd.tok(line, i+k), w); !ok {
			return b, false
		}
	}
	return b, true
}

// stringToTTL is miekg's, for $TTL: digits with optional s/m/h/d/w units.
func stringToTTL(token []byte) (uint32, bool) {
	var s, i uint
	for _, c := range token {
		switch c {
		case 's', 'S':
			s += i
			i = 0
		case 'm', 'M':
			s += i * 60
			i = 0
		case 'h', 'H':
			s += i * 60 * 60
			i = 0
		case 'd', 'D':
			s += i * 60 * 60 * 24
			i = 0
		case 'w', 'W':
			s += i * 60 * 60 * 24 * 7
			i = 0
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			i *= 10
			i += uint(c) - '0'
		default:
			return 0, false
		}
	}
	if s+i > math.MaxUint32 {
		return 0, false
	}
	return uint32(s + i), true
}

// appendIPv4 reads a dotted quad as net.ParseIP does: four decimal parts
// up to 255, no leading zeros.
func appendIPv4(b, t []byte) ([]byte, bool) {
	var ip [4]byte
	part := 0
	for k := 0; k < 4; k++ {
		if k > 0 {
			if part >= len(t) || t[part] != '.' {
				return b, false
			}
			part++
		}
		v, n := 0, 0
		for part < len(t) && t[part] >= '0' && t[part] <= '9' && n < 4 {
			v = v*10 + int(t[part]-'0')
			part++
			n++
		}
		if n == 0 || n > 3 || v > 255 || (n > 1 && t[part-n] == '0') {
			return b, false
		}
		ip[k] = byte(v)
	}
	if part != len(t) {
		return b, false
	}
	return append(b, ip[:]...), true
}

// appendIPv6 reads an address with a colon as net.ParseIP does (which is
// netip.ParseAddr without a zone).
func appendIPv6(b, t []byte) ([]byte, bool) {
	colon := false
	for _, c := range t {
		if c == '%' {
			return b, false
		}
		colon = colon || c == ':'
	}
	if !colon {
		return b, false
	}
	a, err := netip.ParseAddr(string(t))
	if err != nil || a.Zone() != "" {
		return b, false
	}
	v := a.As16()
	return append(b, v[:]...), true
}

func appendHex(b, t []byte) ([]byte, bool) {
	if len(t) == 0 || len(t)%2 != 0 {
		return b, false
	}
	n := len(b)
	b = append(b, make([]byte, len(t)/2)...)
	if _, err := hex.Decode(b[n:], t); err != nil {
		return b, false
	}
	return b, true
}

func appendBase64(b, t []byte) ([]byte, bool) {
	if len(t) == 0 {
		return b, false
	}
	n := len(b)
	b = append(b, make([]byte, base64.StdEncoding.DecodedLen(len(t)))...)
	m, err := base64.StdEncoding.Decode(b[n:], t)
	if err != nil {
		return b, false
	}
	return b[:n+m], true
}

// appendSalt reads an NSEC3 salt: "-" for none, else hex of up to 254
// digits; it is preceded by its length.
func appendSalt(b, t []byte) ([]byte, bool) {
	if len(t) == 1 && t[0] == '-' {
		return append(b, 0), true
	}
	if len(t) > 254 {
		return b, false
	}
	b = append(b, byte(len(t)/2))
	return appendHex(b, t)
}

var base32Hex = base32.HexEncoding.WithPadding(base32.NoPadding)

// appendHash reads an NSEC3 next hashed owner: miekg writes a hash length
// of 20 whatever the text, so only a 20-octet hash is read here.
func appendHash(b, t []byte) ([]byte, bool) {
	if len(t) != 32 {
		return b, false
	}
	var u [32]byte
	for i, c := range t {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		u[i] = c
	}
	b = append(b, 20)
	n := len(b)
	b = append(b, make([]byte, 20)...)
	m, err := base32Hex.Decode(b[n:], u[:])
	if err != nil || m != 20 {
		return b, false
	}
	return b, true
}

const year68 = 1 << 31

// sigTime reads an RRSIG time as miekg does: YYYYMMDDHHmmSS (serial
// arithmetic) or, failing that, seconds since the epoch.
func sigTime(t []byte) (uint32, bool) {
	if !isDigits(t) {
		return 0, false
	}
	if len(t) != 14 {
		v, ok := parseUint(t, 32)
		return uint32(v), ok
	}
	d := func(i, n int) int {
		v := 0
		for _, c := range t[i : i+n] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day, hour, min, sec := d(0, 4), d(4, 2), d(6, 2), d(8, 2), d(10, 2), d(12, 2)
	if year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || min > 59 || sec > 59 {
		return 0, false
	}
	tm := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.UTC)
	if tm.Day() != day || int(tm.Month()) != month {
		return 0, false // day past the end of the month
	}
	u := tm.Unix()
	mod := u/year68 - 1
	if mod < 0 {
		mod = 0
	}
	return uint32(u - mod*year68), true
}
