package zonetext

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// record reads one tokenized line. It returns false, with no record
// emitted and no state changed, when the line is not in a shape it reads
// exactly; the entry then goes to miekg.
func (rd *reader) record(line []byte) (bool, error) {
	i := 0
	first := rd.tok(line, 0)
	hasOwner := line[0] != ' ' && line[0] != '\t'
	var owner []byte
	if hasOwner {
		if first[0] == '$' {
			return rd.directive(line)
		}
		n, ok := rd.appendName(rd.name[:0], first)
		if !ok {
			return false, nil
		}
		rd.name = n
		owner = n
		i = 1
	} else {
		if !rd.ownerSet {
			return false, ErrMiekg // miekg's empty owner: let it decide
		}
		owner = rd.owner
	}
	ttl, ttlSeen, classSeen := uint32(0), false, false
	rtype := uint16(0)
	for ; i < rd.ntoks; i++ {
		t := rd.tok(line, i)
		if rtype = fastType(t); rtype != 0 {
			break
		}
		switch {
		case isDigits(t) && !ttlSeen:
			v, ok := parseUint(t, 32)
			if !ok {
				return false, nil
			}
			ttl, ttlSeen = uint32(v), true
		case !classSeen && len(t) == 2 && (t[0]|0x20) == 'i' && (t[1]|0x20) == 'n':
			classSeen = true
		default:
			return false, nil
		}
	}
	if rtype == 0 || i+1 >= rd.ntoks {
		return false, nil // no type, or no rdata (miekg's update form)
	}
	if !ttlSeen {
		if !rd.defSet {
			return false, ErrMiekg // miekg's rules for a missing TTL are its own
		}
		ttl = rd.defTTL
	}
	rdata, ok := rd.rdata(rtype, line, i+1)
	if !ok {
		return false, nil
	}
	// The record is read: commit the state miekg would have.
	if ttlSeen && !rd.defDir {
		rd.defTTL, rd.defSet = ttl, true
	}
	if hasOwner {
		rd.owner = append(rd.owner[:0], owner...)
		rd.ownerSet = true
		owner = rd.owner
	}
	rd.name = append(rd.name[:0], owner...) // emit may change it; rd.owner stays
	return true, rd.emit(rd.name, rtype, dns.ClassINET, ttl, rdata)
}

// directive handles $TTL and $ORIGIN in their plain one-argument form;
// $INCLUDE and $GENERATE go to miekg with the whole file.
func (rd *reader) directive(line []byte) (bool, error) {
	d := rd.tok(line, 0)
	switch {
	case bytes.EqualFold(d, []byte("$TTL")):
		if rd.ntoks != 2 {
			return false, ErrMiekg
		}
		v, ok := stringToTTL(rd.tok(line, 1))
		if !ok {
			return false, ErrMiekg
		}
		rd.defTTL, rd.defSet, rd.defDir = v, true, true
		return true, nil
	case bytes.EqualFold(d, []byte("$ORIGIN")):
		if rd.ntoks != 2 {
			return false, ErrMiekg
		}
		t := rd.tok(line, 1)
		if typeOrClass(t) {
			return false, ErrMiekg // miekg's lexer may take it for one
		}
		w, ok := rd.appendName(nil, t)
		if !ok {
			return false, ErrMiekg
		}
		switch {
		case len(t) == 1 && t[0] == '@':
		case t[len(t)-1] == '.':
			rd.origin = string(t)
		case rd.origin == ".":
			rd.origin = string(t) + "."
		default:
			rd.origin = string(t) + "." + rd.origin
		}
		rd.originWire = w
		return true, nil
	case bytes.EqualFold(d, []byte("$INCLUDE")), bytes.EqualFold(d, []byte("$GENERATE")):
		return false, ErrMiekg
	}
	return false, nil // "$X" is an owner name to miekg
}

// fallback has miekg parse one entry with the state in force, emits its
// record and takes the state miekg leaves. final says nothing follows the
// entry in the file: miekg reads a record that ends the text differently
// (its update form), so the text after the entry must be alike.
func (rd *reader) fallback(entry []byte, final bool) error {
	if bytes.IndexFunc(entry, func(r rune) bool { return r != ' ' && r != '\t' }) < 0 {
		return nil // blank line
	}
	if entry[0] == '$' {
		return ErrMiekg
	}
	rd.fallbacks++
	var sb strings.Builder
	sb.WriteString("$ORIGIN " + rd.origin + "\n")
	marker := false
	switch {
	case rd.defDir:
		fmt.Fprintf(&sb, "$TTL %d\n", rd.defTTL)
	case rd.defSet:
		// A record with this TTL makes it the default miekg has here.
		fmt.Fprintf(&sb, ". %d IN TYPE65280 \\# 0\n", rd.defTTL)
		marker = true
	}
	if entry[0] == ' ' || entry[0] == '\t' {
		if !rd.ownerSet {
			return ErrMiekg
		}
		o, _, err := dns.UnpackDomainName(rd.owner, 0)
		if err != nil {
			return ErrMiekg
		}
		sb.WriteString(o)
	}
	sb.Write(entry)
	probe := !rd.defDir && !final
	switch {
	case probe:
		// A record without a TTL after it shows the default the entry
		// left, or fails if there is none.
		sb.WriteString("\n. TYPE65280 \\# 0\n")
	case !final:
		sb.WriteString("\n")
	}
	zp := dns.NewZoneParser(strings.NewReader(sb.String()), rd.origin, "")
	zp.SetIncludeAllowed(false)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if marker {
		if len(rrs) == 0 {
			return ErrMiekg
		}
		rrs = rrs[1:]
	}
	var probed dns.RR
	if probe && zp.Err() == nil && len(rrs) > 0 {
		probed, rrs = rrs[len(rrs)-1], rrs[:len(rrs)-1]
	}
	switch {
	case len(rrs) > 1:
		return ErrMiekg
	case zp.Err() != nil && !(probe && !rd.defSet && len(rrs) == 1):
		return ErrMiekg
	case len(rrs) == 0:
		if probed != nil && !rd.defSet {
			return ErrMiekg // an entry with no record that set a TTL?
		}
		return nil
	}
	rr := rrs[0]
	if rr.Header().Name == "" {
		return ErrMiekg
	}
	n, err := dns.PackRR(rr, rd.pack, 0, nil, false)
	if err != nil {
		return ErrMiekg
	}
	ol := nameLen(rd.pack[:n])
	if ol+10 >= n {
		// No rdata: miekg's update form, which it takes or refuses by
		// what follows the entry (end of file or a newline): its call.
		return ErrMiekg
	}
	rd.owner = append(rd.owner[:0], rd.pack[:ol]...)
	rd.ownerSet = true
	if probed != nil {
		rd.defTTL, rd.defSet = probed.Header().Ttl, true
	}
	h := rr.Header()
	rdata := append(rd.rd[:0], rd.pack[ol+10:n]...)
	rd.name = append(rd.name[:0], rd.owner...)
	return rd.emit(rd.name, h.Rrtype, h.Class, h.Ttl, rdata)
}

func nameLen(b []byte) int {
	i := 0
	for i < len(b) && b[i] != 0 {
		i += int(b[i]) + 1
	}
	return i + 1
}

// typeOrClass reports a token miekg's lexer may read as a type or class
// where a name was meant.
func typeOrClass(t []byte) bool {
	u := strings.ToUpper(string(t))
	_, typ := dns.StringToType[u]
	_, class := dns.StringToClass[u]
	return typ || class || strings.HasPrefix(u, "TYPE") || strings.HasPrefix(u, "CLASS")
}
