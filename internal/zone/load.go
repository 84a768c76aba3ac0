package zone

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"

	"github.com/miekg/dns"

	"anycloud/internal/zonetext"
)

// Load reads an RFC 1035 master file ($ORIGIN, $TTL, $INCLUDE, $GENERATE)
// and builds a snapshot. Syntax errors name the file and line.
//
// The text is read by anycloud's own reader (internal/zonetext) straight
// into the builder, in wire form; a file it hands back ($INCLUDE,
// $GENERATE, any error) is parsed again with miekg, whose records and
// file:line errors are then the answer.
func Load(origin, path string) (*Zone, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hint := int(st.Size() / 40) // about one name per 40 bytes of zone file
	b, err := newBuilder(origin, hint)
	if err != nil {
		return nil, err
	}
	b.reserve(int(st.Size()))
	if err := zonetext.Read(f, origin, b.addWire); err == nil {
		return b.result(path)
	}
	b = nil
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return loadMiekg(f, origin, path, st.Size(), hint)
}

// loadMiekg parses a file with miekg, on every CPU when it can be cut into
// independent chunks.
func loadMiekg(f *os.File, origin, path string, size int64, hint int) (*Zone, error) {
	if size < 4*chunkSize {
		return parse(f, origin, path, hint)
	}
	text := make([]byte, size)
	if _, err := io.ReadFull(f, text); err != nil {
		return nil, err
	}
	if !canSplit(text) {
		return parse(bytes.NewReader(text), origin, path, hint)
	}
	b, err := newBuilder(origin, hint)
	if err != nil {
		return nil, err
	}
	b.reserve(len(text))
	if err := parseText(b, text, origin, path); err != nil {
		// Parse again in one piece: for miekg's exact file:line position,
		// or because a chunk lacked context it needed (see split.go).
		return parse(bytes.NewReader(text), origin, path, hint)
	}
	text = nil
	return b.result(path)
}

// Parse builds a snapshot from master-file text; filename is used in errors.
func Parse(r io.Reader, origin, filename string) (*Zone, error) {
	return parse(r, origin, filename, 1024)
}

func parse(r io.Reader, origin, filename string, hint int) (*Zone, error) {
	b, err := newBuilder(origin, hint)
	if err != nil {
		return nil, err
	}
	zp := dns.NewZoneParser(r, dns.Fqdn(origin), filename)
	zp.SetIncludeAllowed(true)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if err := b.add(rr); err != nil {
			return nil, fmt.Errorf("%s: %w", filename, err)
		}
	}
	if err := zp.Err(); err != nil {
		return nil, fileLineError(err)
	}
	return b.result(filename)
}

// result finishes the build of a file's zone.
func (b *builder) result(filename string) (*Zone, error) {
	z, err := b.finish()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	releaseBuildMemory(z)
	return z, nil
}

// Build makes a snapshot from records received by transfer; it applies the
// same checks as Load.
func Build(origin string, rrs []dns.RR) (*Zone, error) {
	r, err := NewReceiver(origin, len(rrs))
	if err != nil {
		return nil, err
	}
	for _, rr := range rrs {
		if err := r.Add(rr); err != nil {
			return nil, err
		}
	}
	return r.Finish()
}

// releaseBuildMemory hands the parser's garbage back to the operating system
// after a large build, so resident memory reflects the snapshot, not the
// parse. Small zones are not worth a forced collection.
func releaseBuildMemory(z *Zone) {
	if z.count > 100000 {
		debug.FreeOSMemory()
	}
}

// parseErrorPosition matches miekg's "FILE: dns: REASON at line: L:C".
var parseErrorPosition = regexp.MustCompile(`^(.*?): (dns: .*) at line: (\d+):(\d+)$`)

// fileLineError rewrites a parse error into the FILE:LINE:COL: REASON form
// compilers and editors understand.
func fileLineError(err error) error {
	m := parseErrorPosition.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	return fmt.Errorf("%s:%s:%s: %s", m[1], m[3], m[4], m[2])
}
