package zone

import (
	"bytes"
	"errors"
)

// Large master files are parsed in parallel: the text is cut into chunks at
// lines that start a new owner outside parentheses, and each chunk is parsed
// with the $ORIGIN and $TTL in force where it starts. Files whose meaning
// depends on more state than that ($INCLUDE, $GENERATE) are parsed in one
// piece. Without $TTL, a record with no TTL takes the last one stated
// before it (RFC 1035 5.1), which may lie in an earlier chunk: the parser
// then reports a missing TTL, and the caller parses the file in one piece.

const chunkSize = 2 << 20

// chunk is a piece of a master file and the directives in force at its start.
type chunk struct {
	text   []byte
	origin []byte // last $ORIGIN argument, or nil for the zone's origin
	ttl    []byte // last $TTL argument, or nil
	last   []byte // without $TTL: the last TTL a record stated before it
	line   int    // line number of its first line
}

// errSequential says a file must be parsed in one piece.
var errSequential = errors.New("parse in one piece")

// canSplit checks the directives up front: only absolute $ORIGIN and $TTL
// keep chunks independent.
func canSplit(text []byte) bool {
	for i := 0; i < len(text); {
		if text[i] == '$' {
			eol := bytes.IndexByte(text[i:], '\n')
			if eol < 0 {
				eol = len(text) - i
			}
			l := text[i : i+eol]
			switch string(bytes.ToUpper(firstField(l))) {
			case "$ORIGIN":
				if !bytes.HasSuffix(secondField(l), []byte(".")) {
					return false // relative to the previous origin
				}
			case "$TTL":
			default:
				return false // $INCLUDE, $GENERATE
			}
		}
		next := bytes.Index(text[i:], []byte("\n$"))
		if next < 0 {
			return true
		}
		i += next + 1
	}
	return true
}

// scanChunks cuts text into chunks and hands each to emit as soon as it is
// found, so parsing starts while the rest is still being scanned; emit
// returning false stops the scan. Unbalanced parentheses give errSequential.
func scanChunks(text []byte, emit func(chunk) bool) error {
	var origin, ttl, last []byte
	cur := chunk{line: 1}
	start, depth, line := 0, 0, 1
	for i := 0; i < len(text); line++ {
		eol := bytes.IndexByte(text[i:], '\n')
		if eol < 0 {
			eol = len(text)
		} else {
			eol += i
		}
		l := text[i:eol]
		if depth == 0 && len(l) > 0 {
			switch {
			case l[0] == '$':
				switch string(bytes.ToUpper(firstField(l))) {
				case "$ORIGIN":
					origin = secondField(l)
				case "$TTL":
					ttl = secondField(l)
				}
			case isOwnerStart(l[0]) && i-start >= chunkSize:
				cur.text = text[start:i]
				if !emit(cur) {
					return nil
				}
				cur = chunk{origin: origin, ttl: ttl, last: last, line: line}
				start = i
			}
			if ttl == nil && l[0] != ';' && l[0] != '$' {
				if t := explicitTTL(l); t != nil {
					last = t
				}
			}
		}
		if depth = parenDepth(l, depth); depth < 0 {
			return errSequential
		}
		i = eol + 1
	}
	cur.text = text[start:]
	emit(cur)
	return nil
}

func isOwnerStart(c byte) bool {
	return c != ' ' && c != '\t' && c != ';' && c != '\r' && c != '$' && c != '\n'
}

func firstField(l []byte) []byte {
	f := bytes.Fields(l)
	if len(f) == 0 {
		return nil
	}
	return f[0]
}

func secondField(l []byte) []byte {
	if c := bytes.IndexByte(l, ';'); c >= 0 {
		l = l[:c]
	}
	f := bytes.Fields(l)
	if len(f) < 2 {
		return nil
	}
	return append([]byte(nil), f[1]...)
}

// parenDepth updates the parenthesis depth over one line, skipping quoted
// strings, escapes and comments; -1 means the line is unbalanced.
func parenDepth(l []byte, depth int) int {
	if bytes.IndexAny(l, "()\"\\;") < 0 {
		return depth // most lines: nothing that could open or close
	}
	quoted := false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ';':
			return depth
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return -1
			}
		}
	}
	return depth
}

// explicitTTL returns the TTL a record line states, or nil: the field after
// the owner (if the line has one), or after the class.
func explicitTTL(l []byte) []byte {
	i := 0
	if l[0] != ' ' && l[0] != '\t' {
		i = skipToken(l, 0)
	}
	for n := 0; n < 2; n++ {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		j := skipToken(l, i)
		tok := l[i:j]
		switch {
		case len(tok) == 0:
			return nil
		case tok[0] >= '0' && tok[0] <= '9':
			return append([]byte(nil), tok...)
		case len(tok) == 2 && bytes.EqualFold(tok, []byte("IN")) || bytes.EqualFold(tok, []byte("CH")) ||
			bytes.EqualFold(tok, []byte("HS")) || bytes.EqualFold(tok, []byte("CS")):
			i = j
		default:
			return nil
		}
	}
	return nil
}

func skipToken(l []byte, i int) int {
	for i < len(l) && l[i] != ' ' && l[i] != '\t' && l[i] != '\r' && l[i] != ';' {
		i++
	}
	return i
}
