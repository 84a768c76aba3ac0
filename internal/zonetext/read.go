package zonetext

import (
	"errors"
	"fmt"
	"io"

	"github.com/miekg/dns"
)

// Sink receives one record: owner and rdata in uncompressed wire form with
// the case of the text. Both slices are reused after Sink returns, which
// may modify them in place.
type Sink func(owner []byte, rtype, class uint16, ttl uint32, rdata []byte) error

// ErrMiekg says the text needs miekg's parser as a whole: a directive this
// reader leaves to it, or an error, whose file:line miekg reports.
var ErrMiekg = errors.New("zonetext: parse with miekg")

const (
	readSize = 1 << 20
	// maxEntry bounds one entry (a record over several lines in
	// parentheses); a longer one goes to miekg with the whole file.
	maxEntry = 1 << 20
	maxToks  = 64
)

// reader is the parse state miekg's ZoneParser carries from one entry to
// the next: origin, default TTL and the last owner.
type reader struct {
	origin     string // absolute, presentation
	originWire []byte
	defTTL     uint32
	defSet     bool // a default TTL exists
	defDir     bool // it was set by $TTL (explicit TTLs then leave it)
	owner      []byte
	ownerSet   bool
	emit       Sink

	toks  [maxToks][2]int
	rd    []byte // rdata scratch
	name  []byte // owner scratch
	cat   []byte // concatenated base64/hex tokens
	pack  []byte // miekg fallback packing
	ntoks int

	fallbacks int // entries miekg read (tests check the hot path is taken)
}

// Read parses master-file text from r with origin (a domain name; made
// absolute) and hands every record to emit in file order. Any error,
// emit's included, means: parse the file with miekg instead. An error
// that is not ErrMiekg may be emit's, returned as it is.
func Read(r io.Reader, origin string, emit Sink) error {
	_, err := read(r, origin, emit)
	return err
}

func read(r io.Reader, origin string, emit Sink) (*reader, error) {
	origin = dns.Fqdn(origin)
	ow := make([]byte, 256)
	n, err := dns.PackDomainName(origin, ow, 0, nil, false)
	if err != nil {
		return nil, fmt.Errorf("%w: origin: %v", ErrMiekg, err)
	}
	rd := &reader{
		origin:     origin,
		originWire: ow[:n],
		emit:       emit,
		rd:         make([]byte, 0, 65536),
		name:       make([]byte, 0, 256),
		owner:      make([]byte, 0, 256),
		pack:       make([]byte, 65536+512),
	}
	return rd, rd.run(r)
}

// run reads r in blocks and parses every complete entry in them.
func (rd *reader) run(r io.Reader) error {
	buf := make([]byte, 0, readSize)
	eof := false
	for {
		for !eof && len(buf) < cap(buf) {
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				eof = true
			} else if err != nil {
				return err
			}
		}
		used, err := rd.parse(buf, eof)
		if err != nil {
			return err
		}
		if eof {
			if used != len(buf) {
				return ErrMiekg
			}
			return nil
		}
		rest := copy(buf, buf[used:])
		buf = buf[:rest]
		if used == 0 && rest == cap(buf) { // one entry fills the buffer
			if cap(buf) >= 2*maxEntry {
				return fmt.Errorf("%w: entry over %d bytes", ErrMiekg, maxEntry)
			}
			buf = append(make([]byte, 0, 2*cap(buf)), buf...)
		}
	}
}

// parse reads the complete entries of buf and returns how many bytes they
// took; at eof the last line needs no newline.
func (rd *reader) parse(buf []byte, eof bool) (int, error) {
	i := 0
	for i < len(buf) {
		end := indexNL(buf[i:])
		var line []byte
		next := 0
		if end < 0 {
			if !eof {
				return i, nil
			}
			line, next = buf[i:], len(buf)
		} else {
			line, next = buf[i:i+end], i+end+1
		}
		if simple := rd.tokenize(line); simple {
			if rd.ntoks > 0 {
				ok, err := rd.record(line)
				if err != nil {
					return i, err
				}
				if !ok {
					if err := rd.fallback(buf[i:next], eof && next == len(buf)); err != nil {
						return i, err
					}
				}
			}
			i = next
			continue
		}
		e, err := entryEnd(buf[i:], eof)
		if err != nil {
			return i, err
		}
		if e < 0 {
			return i, nil // the entry goes on past buf
		}
		if err := rd.fallback(buf[i:i+e], eof && i+e == len(buf)); err != nil {
			return i, err
		}
		i += e
	}
	return i, nil
}

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// byte classes of the tokenizer
const (
	cText = iota
	cBlank
	cComment
	cHard // ( ) " \ and \r: miekg's lexer alone decides
)

var class [256]uint8

func init() {
	class[' '], class['\t'] = cBlank, cBlank
	class[';'] = cComment
	for _, c := range []byte("()\"\\\r") {
		class[c] = cHard
	}
}

// tokenize splits one line (without its newline) into rd.toks. It returns
// false when the line holds anything miekg's lexer treats specially beyond
// blanks and a comment after a blank: then the entry is miekg's. A \r
// right before the newline is dropped, as miekg drops it.
func (rd *reader) tokenize(line []byte) bool {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	rd.ntoks = 0
	start := -1
	for i := 0; i < len(line); i++ {
		switch class[line[i]] {
		case cText:
			if start < 0 {
				start = i
			}
		case cBlank:
			if start >= 0 {
				if rd.ntoks == maxToks {
					return false
				}
				rd.toks[rd.ntoks] = [2]int{start, i}
				rd.ntoks++
				start = -1
			}
		case cComment:
			if start >= 0 {
				return false // a token cut by ';' is typed differently by miekg
			}
			return true
		default:
			// RFC 3597's "\#" standing alone is the one escape read here.
			if line[i] == '\\' && start < 0 && i+1 < len(line) && line[i+1] == '#' &&
				(i+2 == len(line) || class[line[i+2]] == cBlank) {
				if rd.ntoks == maxToks {
					return false
				}
				rd.toks[rd.ntoks] = [2]int{i, i + 2}
				rd.ntoks++
				i++
				continue
			}
			return false
		}
	}
	if start >= 0 {
		if rd.ntoks == maxToks {
			return false
		}
		rd.toks[rd.ntoks] = [2]int{start, len(line)}
		rd.ntoks++
	}
	return true
}

// entryEnd finds the end of the entry that starts buf the way miekg's
// lexer does (escapes, quotes, comments, parentheses) and returns the
// length up to and including its closing newline, or -1 if buf ends
// first and more text follows.
func entryEnd(buf []byte, eof bool) (int, error) {
	var escape, quote, comment bool
	brace := 0
	for i := 0; i < len(buf); i++ {
		c := buf[i]
		if comment {
			if c == '\n' {
				comment = false
				if brace == 0 {
					return i + 1, nil
				}
			}
			continue
		}
		if escape {
			escape = false
			if c != '\n' {
				continue
			}
		}
		switch c {
		case '\\':
			escape = true
		case '"':
			quote = !quote
		case ';':
			if !quote {
				comment = true
			}
		case '(':
			if !quote {
				brace++
			}
		case ')':
			if !quote {
				if brace--; brace < 0 {
					return 0, ErrMiekg
				}
			}
		case '\n':
			if !quote && brace == 0 {
				return i + 1, nil
			}
		}
		if i >= maxEntry {
			return 0, fmt.Errorf("%w: entry over %d bytes", ErrMiekg, maxEntry)
		}
	}
	if !eof {
		return -1, nil
	}
	if quote || brace != 0 {
		return 0, ErrMiekg
	}
	return len(buf), nil
}

func (rd *reader) tok(line []byte, i int) []byte {
	t := rd.toks[i]
	return line[t[0]:t[1]]
}
