package yamlconf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Problem is one mistake in a configuration, at the field it is about.
type Problem struct {
	Field   string // the key's path, e.g. hubs[1].tsig.secret-file; "" for the file as a whole
	Message string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// Error is every problem found in a configuration, one per line.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Problems collects every problem in a configuration, so an operator fixes
// them all in one go rather than one per run. Checks go on after a
// problem: a value that does not parse is replaced by its default (or its
// zero value) and the rest is still checked.
//
// The zero value is ready to use. In gives a view that adds under a
// section's path, so a section's checks (announce:, monitor:) write their
// own keys and report under the path the file has.
type Problems struct {
	root   *Problems // nil: this is the root, holding list
	prefix string
	list   []Problem
}

// In returns a view of p whose fields are under path (a key, or a key with
// an index such as "peers[0]").
func (p *Problems) In(path string) *Problems {
	return &Problems{root: p.top(), prefix: Join(p.prefix, path)}
}

func (p *Problems) top() *Problems {
	if p.root != nil {
		return p.root
	}
	return p
}

// Add records a problem with field (relative to the view's path).
func (p *Problems) Add(field, format string, args ...any) {
	r := p.top()
	r.list = append(r.list, Problem{Field: Join(p.prefix, field), Message: fmt.Sprintf(format, args...)})
}

// Has says whether a problem was recorded at field (relative to the view's
// path): a check of a value another check could not parse skips it, so the
// field is reported once.
func (p *Problems) Has(field string) bool {
	full := Join(p.prefix, field)
	for _, q := range p.top().list {
		if q.Field == full {
			return true
		}
	}
	return false
}

// Err returns every problem recorded (through any view) as an *Error, or
// nil when there is none.
func (p *Problems) Err() error {
	r := p.top()
	if len(r.list) == 0 {
		return nil
	}
	return &Error{Problems: append([]Problem(nil), r.list...)}
}

// Join returns the path of key under path: "announce" and "peers[0]" give
// "announce.peers[0]"; an empty side is left out.
func Join(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}

// Index returns the path of a list's i-th item, e.g. "hubs[1]".
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Fields returns the paths of the problems err holds (an *Error, wrapped or
// not), in the order they were found; nil for any other error.
func Fields(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Field
	}
	return out
}
