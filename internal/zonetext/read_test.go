package zonetext

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/testenv"
	"github.com/miekg/dns"
)

// wireRecord is one record as both readers give it: owner, type, class,
// TTL, rdata, all in wire form, so equal text means equal packing.
func wireRecord(owner []byte, rtype, class uint16, ttl uint32, rdata []byte) string {
	var h [8]byte
	binary.BigEndian.PutUint16(h[0:], rtype)
	binary.BigEndian.PutUint16(h[2:], class)
	binary.BigEndian.PutUint32(h[4:], ttl)
	return fmt.Sprintf("%x %x %x", owner, h, rdata)
}

// readFast is Read collecting records.
func readFast(text []byte, origin string) ([]string, error) {
	var out []string
	err := Read(bytes.NewReader(text), origin, func(owner []byte, rtype, class uint16, ttl uint32, rdata []byte) error {
		out = append(out, wireRecord(owner, rtype, class, ttl, rdata))
		return nil
	})
	return out, err
}

// readMiekg is what zone.Load did before this package: miekg's parser over
// the whole text, each record packed; any failure rejects the text.
func readMiekg(text []byte, origin string) ([]string, error) {
	zp := dns.NewZoneParser(bytes.NewReader(text), dns.Fqdn(origin), "zone")
	zp.SetIncludeAllowed(false)
	buf := make([]byte, 65536+512)
	var out []string
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if rr.Header().Name == "" {
			return nil, fmt.Errorf("no owner") // zone.Load refuses it too
		}
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			return nil, err
		}
		ol := nameLen(buf[:n])
		if ol+10 > n {
			return nil, fmt.Errorf("does not pack")
		}
		h := rr.Header()
		out = append(out, wireRecord(buf[:ol], h.Rrtype, h.Class, h.Ttl, buf[ol+10:n]))
	}
	return out, zp.Err()
}

// agree fails t when Read accepts text that miekg refuses, or yields other
// records; it reports whether Read accepted.
func agree(t *testing.T, name string, text []byte, origin string) bool {
	t.Helper()
	fast, ferr := readFast(text, origin)
	if ferr != nil {
		return false // the caller parses with miekg: agreement by construction
	}
	slow, serr := readMiekg(text, origin)
	if serr != nil {
		t.Fatalf("%s: zonetext accepts what miekg refuses: %v", name, serr)
	}
	if len(fast) != len(slow) {
		t.Fatalf("%s: zonetext %d records, miekg %d", name, len(fast), len(slow))
	}
	for i := range fast {
		if fast[i] != slow[i] {
			t.Fatalf("%s: record %d differs:\nzonetext %s\nmiekg    %s", name, i, fast[i], slow[i])
		}
	}
	return true
}

// zoneFiles lists every zone file the repository tests with: everything
// under a testdata directory or examples/zones that miekg can read as a
// master file or that is meant to be one (*.zone).
func zoneFiles(t testing.TB) map[string][]byte {
	root := "../.."
	files := map[string][]byte{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if d.Name() == "work" || d.Name() == ".git" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.Contains(p, "testdata") && !strings.Contains(p, "examples/zones") {
			return nil
		}
		if strings.Contains(p, "/testdata/fuzz/") {
			return nil
		}
		text, err := os.ReadFile(p)
		if err != nil || len(text) > 8<<20 {
			return nil
		}
		if strings.HasSuffix(p, ".zone") || bytes.Contains(text, []byte(" SOA")) || bytes.Contains(text, []byte("\tSOA")) {
			files[p] = text
		}
		return nil
	})
	if len(files) < 20 {
		t.Fatalf("found only %d zone files under %s", len(files), root)
	}
	return files
}

// TestAgreesWithMiekgOnTestZones runs both readers over every zone file in
// the repository: whatever zonetext accepts must be miekg's records.
func TestAgreesWithMiekgOnTestZones(t *testing.T) {
	read := 0
	files := zoneFiles(t)
	for p, text := range files {
		for _, origin := range []string{originOf(p), "example."} {
			if agree(t, p+" at "+origin, text, origin) {
				read++
			}
		}
	}
	t.Logf("%d zone files, %d reads taken by zonetext", len(files), read)
	if read < len(files)/2 {
		t.Fatalf("zonetext read only %d of %d: the fast path is not taken", read, 2*len(files))
	}
}

// originOf guesses a zone's origin from its file name (sv.zone: sv.).
func originOf(p string) string {
	b := filepath.Base(p)
	b = strings.TrimSuffix(b, ".zone")
	b = strings.TrimSuffix(b, ".signed")
	if b == "" || strings.ContainsAny(b, " _") {
		return "."
	}
	return b + "."
}

// TestHotPathTypes: each type the reader encodes itself is read without
// miekg, in the shapes master files and miekg's own output write it.
func TestHotPathTypes(t *testing.T) {
	text := "$ORIGIN example.\n$TTL 300\n" +
		"@ 3600 IN SOA ns.example. host.example. 1 2 3 4 5\n" +
		"@\t3600\tIN\tRRSIG\tSOA 13 1 3600 20270104175031 20261205175031 61159 example. Ko3jfNZGQ79BM5nA8vT1NH46iHjz49DsySlRNEaGquDLi96XG7D9Gghg 9rKF1nflocpqeZ/5NfEdffqAGz/CpQ==\n" +
		"@ IN DNSKEY 257 3 13 o8OTCBv6LFnGY3dn0U+DcKxtrTdYbxM1Cn/i4XSORnzgvEN4i55rDLHM 72HaHaoI/FQUJcCpic5By1sSH3WHkQ==\n" +
		"@ 0 IN NSEC3PARAM 1 0 0 -\n" +
		"d IN NS ns1.d\n IN DS 12345 13 2 0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef\n" +
		"ns1.d IN A 192.0.2.1\n IN AAAA 2001:db8::1\n" +
		"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom IN NSEC3 1 1 0 - 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TON NS SOA RRSIG DNSKEY NSEC3PARAM\n" +
		"n IN NSEC x.example. A NS SOA MX RRSIG NSEC DNSKEY CAA\n" +
		"m IN MX 10 mail\n_sip._tcp IN SRV 10 20 5060 sip\np IN PTR x\nc IN CNAME x\ndn IN DNAME x\n" +
		"g IN TYPE65400 \\# 3 abcd ef\ng IN TYPE65401 \\# 0\n"
	want := strings.Count(text, "\n") - 2
	agree(t, "hot path", []byte(text), "example.")
	n := 0
	rd, err := read(strings.NewReader(text), "example.", func([]byte, uint16, uint16, uint32, []byte) error { n++; return nil })
	if err != nil || n != want || rd.fallbacks != 0 {
		t.Fatalf("err %v, %d records of %d, %d read by miekg", err, n, want, rd.fallbacks)
	}
}

// A table of shapes, each compared with miekg; fast says whether zonetext
// must read it itself (the hot path) rather than hand the file back.
func TestShapes(t *testing.T) {
	const soa = "@ 3600 IN SOA ns.example. host.example. 1 2 3 4 5\n"
	for _, tc := range []struct {
		name, text string
		fast       bool
	}{
		{"plain", soa + "www 300 IN A 192.0.2.1\n", true},
		{"class first", soa + "www IN 300 A 192.0.2.1\n", true},
		{"no ttl takes last", soa + "www IN A 192.0.2.1\n", true},
		{"$TTL", "$TTL 60\n" + soa + "www A 192.0.2.1\nwww 30 A 192.0.2.2\nx A 192.0.2.3\n", true},
		{"$TTL units", "$TTL 1h\n" + soa + "www A 192.0.2.1\n", true},
		{"blank owner", soa + "www 300 IN A 192.0.2.1\n 300 IN AAAA 2001:db8::1\n\tIN TXT hello\n", true},
		{"$ORIGIN relative", soa + "$ORIGIN sub\nwww 300 IN NS ns\n$ORIGIN example.\nx 1 NS @\n", true},
		{"comments", "; c\n" + soa + "www 300 IN A 192.0.2.1 ; c\n   ; only\n\n", true},
		{"crlf", strings.ReplaceAll(soa+"www 300 IN A 192.0.2.1\n", "\n", "\r\n"), true},
		{"parens", "@ 3600 IN SOA ns.example. host.example. (\n 1 ; serial\n 2 3 4 5 )\nwww 300 IN A 192.0.2.1\n", true},
		{"parens first no ttl", "@ IN SOA ns.example. host.example. ( 1 2 3 4 5 )\n", true},
		{"quoted txt", soa + "t 300 IN TXT \"a b\" \"c;d\"\nu IN TXT \"x\\\"y\"\n", true},
		{"escaped owner", soa + "a\\.b 300 IN A 192.0.2.1\n 300 IN A 192.0.2.2\n", true},
		{"generic", soa + "g 300 IN TYPE65400 \\# 2 abcd\nh 300 IN A \\# 4 c0000201\n", true},
		{"generic short", soa + "g 300 IN TYPE65400 \\# 3 abcd\n", false},
		{"generic empty with data", soa + "g 300 IN TYPE65400 \\# 0 ab\n", false},
		{"generic escaped owner", soa + "\\# 300 IN TYPE65400 \\# 1 00\n", true},
		{"signed", "$ORIGIN example.\n" + soa +
			"@ 300 IN RRSIG SOA 13 1 3600 20270104175031 20261205175031 61159 example. Ko3jfNZGQ79BM5nA8vT1NH46iHjz49DsySlRNEaGquDLi96XG7D9Gghg 9rKF1nflocpqeZ/5NfEdffqAGz/CpQ==\n" +
			"@ 300 IN DNSKEY 257 3 13 o8OTCBv6LFnGY3dn0U+DcKxtrTdYbxM1Cn/i4XSORnzgvEN4i55rDLHM 72HaHaoI/FQUJcCpic5By1sSH3WHkQ==\n" +
			"@ 0 IN NSEC3PARAM 1 0 0 -\n" +
			"d 300 IN DS 12345 13 2 0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef\n" +
			"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom 300 IN NSEC3 1 1 0 - 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TON NS SOA RRSIG DNSKEY NSEC3PARAM TYPE1234\n" +
			"x 300 IN NSEC3 1 1 10 aabb 0p9mhaveqvm6t7vbl5lop2u3t2rp3ton\n" +
			"n 300 IN NSEC x.example. A NS SOA MX RRSIG NSEC DNSKEY CAA\n" +
			"m 300 IN MX 10 mail\n_sip._tcp 300 IN SRV 10 20 5060 sip\np 300 IN PTR x\nc 300 IN CNAME x\ndn 300 IN DNAME x\n", true},
		{"epoch sig times", soa + "@ 300 IN RRSIG A 13 2 300 1700000000 1600000000 1 example. AAAA\n", true},
		{"unsorted bitmap", soa + "n 300 IN NSEC x. NS A\n", true},
		{"ipv4 in ipv6", soa + "a 300 IN AAAA ::ffff:192.0.2.1\n", true},
		{"leading zero ipv4", soa + "a 300 IN A 192.0.2.01\n", false},
		{"ipv6 in A", soa + "a 300 IN A ::1\n", false},
		{"no ttl at all", "@ IN SOA ns. host. 1 2 3 4 5\n", false},
		{"bad digest", soa + "d 300 IN DS 1 13 2 abc\n", false},
		{"long label", soa + strings.Repeat("a", 64) + " 300 IN A 192.0.2.1\n", false},
		{"double dot", soa + "a..b 300 IN A 192.0.2.1\n", false},
		{"garbage after", soa + "a 300 IN A 192.0.2.1 x\n", false},
		{"$INCLUDE", soa + "$INCLUDE other.zone\n", false},
		{"$GENERATE", soa + "$GENERATE 1-3 h$ A 192.0.2.$\n", false},
		{"unbalanced", soa + "a 300 IN TXT ( x\n", false},
		{"extra close", soa + "a 300 IN TXT x )\n", false},
		{"update form", soa + "a 300 IN A\n", false},
		{"bad time", soa + "@ 300 IN RRSIG A 13 2 300 20271304175031 20261205175031 1 example. AAAA\n", false},
		{"feb 30", soa + "@ 300 IN RRSIG A 13 2 300 20270230175031 20261205175031 1 example. AAAA\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := agree(t, tc.name, []byte(tc.text), "example.")
			if tc.fast && !got {
				_, err := readFast([]byte(tc.text), "example.")
				t.Fatalf("zonetext handed back a file it must read: %v", err)
			}
			if !tc.fast && got {
				t.Fatalf("zonetext read a file miekg must decide")
			}
		})
	}
}

// FuzzReadAgainstMiekg: on any text, what zonetext accepts, miekg accepts
// with the same records in the same order (packed wire form compared);
// what it refuses goes to miekg, so accept/reject and error lines are
// miekg's by construction.
func FuzzReadAgainstMiekg(f *testing.F) {
	for _, text := range zoneFiles(f) {
		f.Add(text, uint8(0))
	}
	f.Add([]byte("$TTL 1h\n@ SOA ns host 1 2 3 4 5\n a 1.2.3.4\n"), uint8(1))
	f.Add([]byte("$TTL 1\n@ SOA ns host 1 2 3 4 5\ng TYPE65400 \\# 2 ab cd\n\\# TYPE1 \\# 0\n"), uint8(0))
	f.Fuzz(func(t *testing.T, text []byte, o uint8) {
		origin := []string{"example.", ".", "a.b.c.", "sv."}[o%4]
		agree(t, "fuzz", text, origin)
	})
}

// TestAgreesOnLargeZone compares the readers on a large zone, such as the
// benchmark's (ANYCLOUD_ZONETEXT_ZONE=bench/work/.../zone.signed), and
// requires zonetext to read it itself.
func TestAgreesOnLargeZone(t *testing.T) {
	path := os.Getenv("ANYCLOUD_ZONETEXT_ZONE")
	if path == "" {
		testenv.SkipByChoice(t, "set ANYCLOUD_ZONETEXT_ZONE to compare a large zone")
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	origin := os.Getenv("ANYCLOUD_ZONETEXT_ORIGIN")
	if origin == "" {
		origin = "tld."
	}
	if !agree(t, path, text, origin) {
		_, err := readFast(text, origin)
		t.Fatalf("zonetext handed %s back: %v", path, err)
	}
}

// endless yields an open parenthesized entry that never closes, up to
// limit bytes, and counts what was read.
type endless struct{ read, limit int }

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.limit {
		return 0, io.EOF
	}
	n := 0
	if e.read == 0 {
		n = copy(p, "@ 300 IN TXT ( ")
	}
	for n < len(p) && e.read+n < e.limit {
		p[n] = 'x'
		if n%2 == 1 {
			p[n] = ' '
		}
		n++
	}
	e.read += n
	return n, nil
}

// TestEntryBound: one entry (a record in parentheses) is buffered up to
// maxEntry, then the file goes to miekg: the reader stops reading instead
// of holding an endless entry in memory.
func TestEntryBound(t *testing.T) {
	src := &endless{limit: 64 << 20}
	err := Read(src, "example.", func([]byte, uint16, uint16, uint32, []byte) error { return nil })
	if !errors.Is(err, ErrMiekg) {
		t.Fatalf("err %v, want ErrMiekg", err)
	}
	const bound = 8 << 20 // maxEntry, the buffer doubling past it, one read
	if src.read > bound {
		t.Fatalf("read %d bytes of one entry, more than %d", src.read, bound)
	}
}
