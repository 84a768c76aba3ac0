package zone

import (
	"bytes"
)

// Large master files are parsed in parallel: the text is cut into chunks at
// lines that start a new owner outside parentheses, and each chunk is parsed
// with the $ORIGIN and $TTL in force where it starts. Files whose meaning
// depends on more state than that ($INCLUDE, $GENERATE, records before any
// $TTL) are parsed in one piece.

const chunkSize = 2 << 20

// chunk is a piece of a master file and the directives in force at its start.
type chunk struct {
	text   []byte
	origin []byte // last $ORIGIN argument, or nil for the zone's origin
	ttl    []byte // last $TTL argument, or nil
	line   int    // line number of its first line
}

// splitZone cuts text into chunks, or returns nil when it must be parsed
// in one piece.
func splitZone(text []byte) []chunk {
	var chunks []chunk
	var origin, ttl []byte
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
					if origin = secondField(l); !bytes.HasSuffix(origin, []byte(".")) {
						return nil // relative to the previous origin: keep it sequential
					}
				case "$TTL":
					ttl = secondField(l)
				default:
					return nil
				}
			case isOwnerStart(l[0]) && i-start >= chunkSize:
				if ttl == nil {
					return nil
				}
				cur.text = text[start:i]
				chunks = append(chunks, cur)
				cur = chunk{origin: origin, ttl: ttl, line: line}
				start = i
			}
		}
		if depth = parenDepth(l, depth); depth < 0 {
			return nil
		}
		i = eol + 1
	}
	cur.text = text[start:]
	return append(chunks, cur)
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
