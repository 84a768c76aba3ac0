package xfr

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/miekg/dns"
)

// errMalformed reports a message whose records run past its end.
var errMalformed = errors.New("malformed message")

// tsigVerifier checks the TSIG of each message of one transfer answer, as
// dns.TsigVerifyWithProvider does (RFC 8945 section 4.3.3 and 5.3.1), but
// finds the TSIG record by skipping over the other records instead of
// unpacking them: miekg's version unpacks every record of the message a
// second time just to find where the TSIG starts, which doubled the work
// of receiving a large zone. The MAC itself is computed and compared by
// the same provider.
type tsigVerifier struct {
	provider dns.TsigProvider
	buf      []byte // the MAC input, reused from message to message
}

// verify checks msg's TSIG against requestMAC (the request's, or the
// previous message's) and returns the TSIG record. With timersOnly only the
// time signed and fudge are covered, as for the messages after the first.
func (v *tsigVerifier) verify(msg []byte, requestMAC string, timersOnly bool, now time.Time) (*dns.TSIG, error) {
	if len(msg) >= 12 && int(msg[3]&0xF) == dns.RcodeNotAuth {
		return nil, dns.ErrAuth // as miekg: the server did not accept our signature
	}
	tsigOff, t, err := findTSIG(msg)
	if err != nil {
		return nil, err
	}
	return t, v.verifyAt(msg, tsigOff, t, requestMAC, timersOnly, now)
}

// findTSIG returns the TSIG record that ends msg, and where it starts.
func findTSIG(msg []byte) (int, *dns.TSIG, error) {
	tsigOff, err := tsigOffset(msg)
	if err != nil {
		return 0, nil, err
	}
	rr, end, err := dns.UnpackRR(msg, tsigOff)
	if err != nil {
		return 0, nil, err
	}
	t, ok := rr.(*dns.TSIG)
	if !ok || end != len(msg) {
		return 0, nil, dns.ErrNoSig // the TSIG must be the last record
	}
	if int(t.MACSize) != len(t.MAC)/2 || int(t.OtherLen) != len(t.OtherData)/2 {
		return 0, nil, errMalformed // lengths that run past the record
	}
	return tsigOff, t, nil
}

// verifyAt checks t, the TSIG record found at tsigOff in msg.
func (v *tsigVerifier) verifyAt(msg []byte, tsigOff int, t *dns.TSIG, requestMAC string, timersOnly bool, now time.Time) error {
	var err error
	buf := v.buf[:0]
	if requestMAC != "" {
		mac, err := hex.DecodeString(requestMAC)
		if err != nil {
			return err
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(mac)))
		buf = append(buf, mac...)
	}
	start := len(buf)
	buf = append(buf, msg[:tsigOff]...)
	binary.BigEndian.PutUint16(buf[start:], t.OrigId)
	binary.BigEndian.PutUint16(buf[start+10:], binary.BigEndian.Uint16(msg[10:])-1)
	if buf, err = appendTSIGVariables(buf, t, timersOnly); err != nil {
		return err
	}
	v.buf = buf
	if err := v.provider.Verify(buf, t); err != nil {
		return err
	}
	// The fudge is checked after the MAC, as RFC 8945 section 5.2.3 says
	// (and miekg does, for CVE-2017-3142/3143).
	skew := now.Unix() - int64(t.TimeSigned)
	if skew < 0 {
		skew = -skew
	}
	if skew > int64(t.Fudge) {
		return dns.ErrTime
	}
	return nil
}

// appendTSIGVariables appends the TSIG variables the MAC covers: all of
// them for the first message, the timers alone for the next ones.
func appendTSIGVariables(buf []byte, t *dns.TSIG, timersOnly bool) ([]byte, error) {
	timers := func(buf []byte) []byte {
		buf = binary.BigEndian.AppendUint16(buf, uint16(t.TimeSigned>>32))
		buf = binary.BigEndian.AppendUint32(buf, uint32(t.TimeSigned))
		return binary.BigEndian.AppendUint16(buf, t.Fudge)
	}
	if timersOnly {
		return timers(buf), nil
	}
	var err error
	if buf, err = appendWireName(buf, dns.CanonicalName(t.Hdr.Name)); err != nil {
		return nil, err
	}
	buf = binary.BigEndian.AppendUint16(buf, dns.ClassANY)
	buf = binary.BigEndian.AppendUint32(buf, t.Hdr.Ttl)
	if buf, err = appendWireName(buf, dns.CanonicalName(t.Algorithm)); err != nil {
		return nil, err
	}
	buf = timers(buf)
	buf = binary.BigEndian.AppendUint16(buf, t.Error)
	other, err := hex.DecodeString(t.OtherData)
	if err != nil {
		return nil, err
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(other)))
	return append(buf, other...), nil
}

func appendWireName(buf []byte, name string) ([]byte, error) {
	var tmp [256]byte
	n, err := dns.PackDomainName(name, tmp[:], 0, nil, false)
	if err != nil {
		return nil, err
	}
	return append(buf, tmp[:n]...), nil
}

// tsigOffset returns where the TSIG record of msg starts: after the
// question, answer and authority sections and the other additional records,
// all skipped over by their lengths.
func tsigOffset(msg []byte) (int, error) {
	if len(msg) < 12 {
		return 0, errMalformed
	}
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	records := int(binary.BigEndian.Uint16(msg[6:])) + int(binary.BigEndian.Uint16(msg[8:]))
	ar := int(binary.BigEndian.Uint16(msg[10:]))
	if ar == 0 {
		return 0, dns.ErrNoSig
	}
	off := 12
	var err error
	for range qd {
		if off, err = skipName(msg, off); err != nil {
			return 0, err
		}
		off += 4
	}
	for range records + ar - 1 {
		if off, err = skipRecord(msg, off); err != nil {
			return 0, err
		}
	}
	if off >= len(msg) {
		return 0, errMalformed
	}
	return off, nil
}

// skipRecord returns the offset after the record at off.
func skipRecord(msg []byte, off int) (int, error) {
	off, err := skipName(msg, off)
	if err != nil {
		return 0, err
	}
	if off+10 > len(msg) {
		return 0, errMalformed
	}
	off += 10 + int(binary.BigEndian.Uint16(msg[off+8:]))
	if off > len(msg) {
		return 0, errMalformed
	}
	return off, nil
}

// skipName returns the offset after the (possibly compressed) name at off.
func skipName(msg []byte, off int) (int, error) {
	for off < len(msg) {
		c := int(msg[off])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				return off + 1, nil
			}
			off += c + 1
		case 0xC0:
			if off+2 > len(msg) {
				return 0, errMalformed
			}
			return off + 2, nil
		default:
			return 0, errMalformed // extended label types are not in use
		}
	}
	return 0, errMalformed
}
