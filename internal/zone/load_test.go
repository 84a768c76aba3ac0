package zone

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestLoadErrors: every broken file is rejected with a reason an operator
// can act on; syntax errors carry file:line.
func TestLoadErrors(t *testing.T) {
	cases := []struct{ file, want string }{
		{"syntax.zone", "testdata/broken/syntax.zone:5:19: dns: bad A A: \"192.0.2.300\""},
		{"nosoa.zone", "no SOA record at the apex"},
		{"nons.zone", "no NS records at the apex"},
		{"outofzone.zone", "ns.example. A: out of zone sv."},
		{"cname.zone", "www.sv.: CNAME and other data"},
		{"include.zone", "missing-file.zone"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load("sv.", "testdata/broken/"+tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadDirectives(t *testing.T) {
	z, err := Load("sv.", "testdata/ok.zone")
	if err != nil {
		t.Fatal(err)
	}
	if z.Serial() != 2026010101 || z.Origin() != "sv." {
		t.Errorf("serial %d origin %s", z.Serial(), z.Origin())
	}
	// SOA, 2 NS, 1 A (duplicate dropped), www ($INCLUDE), 3 $GENERATE, NS + glue.
	if z.Len() != 10 {
		t.Errorf("%d records, want 10", z.Len())
	}
	for _, name := range []string{"www.sv.", "host2.sv.", "ns.sub.sv."} {
		w, _ := wireName(name)
		if z.Find(w) == NoNode {
			t.Errorf("%s missing", name)
		}
	}
	w, _ := wireName("ns.sub.sv.")
	if z.Flags(z.Find(w))&Occluded == 0 {
		t.Errorf("glue below a cut not marked occluded")
	}
	w, _ = wireName("sub.sv.")
	if z.Flags(z.Find(w))&Cut == 0 {
		t.Errorf("delegation not marked as a cut")
	}
}

// TestRecordsRoundTrip: Records gives back what was loaded, so a snapshot
// can feed transfers.
func TestRecordsRoundTrip(t *testing.T) {
	z, err := Load("sv.", "testdata/ok.zone")
	if err != nil {
		t.Fatal(err)
	}
	rrs := z.Records()
	if len(rrs) != z.Len() || rrs[0].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("%d records, first %v", len(rrs), rrs[0])
	}
	z2, err := Build("sv.", rrs)
	if err != nil {
		t.Fatal(err)
	}
	if z2.Len() != z.Len() || z2.Serial() != z.Serial() {
		t.Errorf("rebuilt zone differs: %d/%d records", z2.Len(), z.Len())
	}
}

// TestParallelMatchesSequential: the chunked parser gives the same zone as
// the one-piece parser.
func TestParallelMatchesSequential(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("$ORIGIN tld.\n$TTL 3600\n@ IN SOA ns.tld. h.tld. 1 2 3 4 5\n@ IN NS ns.tld.\nns IN A 192.0.2.1\n")
	for i := 0; sb.Len() < 5*chunkSize; i++ {
		sb.WriteString("d")
		sb.WriteString(strings.Repeat("x", i%7))
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString(" IN NS ( ns1.example.\n  ) ; comment (\n\tIN NS ns2.example.\n")
		if i == 1000 {
			sb.WriteString("$ORIGIN sub.tld.\n$TTL 60\n")
		}
	}
	text := []byte(sb.String())
	chunks := splitZone(text)
	if len(chunks) < 3 {
		t.Fatalf("only %d chunks", len(chunks))
	}
	b, _ := newBuilder("tld.", 1024)
	if err := parseText(b, text, "tld.", "gen"); err != nil {
		t.Fatal(err)
	}
	par, err := b.finish()
	if err != nil {
		t.Fatal(err)
	}
	seq, err := Parse(strings.NewReader(sb.String()), "tld.", "gen")
	if err != nil {
		t.Fatal(err)
	}
	a, c := par.Records(), seq.Records()
	if len(a) != len(c) {
		t.Fatalf("parallel %d records, sequential %d", len(a), len(c))
	}
	for i := range a {
		if a[i].String() != c[i].String() {
			t.Fatalf("record %d: %v vs %v", i, a[i], c[i])
		}
	}
}

// FuzzParse: any text either loads or is rejected with an error; never a
// panic, and what loads can be rebuilt from its records.
func FuzzParse(f *testing.F) {
	f.Add("$ORIGIN sv.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n*.w TXT x\nd DNAME e.sv.\n")
	f.Add("@ 60 IN SOA ns.sv. h.sv. 1 2 3 4 5\n@ NS ns.sv.\nsub NS ns.sub\nns.sub A 192.0.2.1\n")
	f.Fuzz(func(t *testing.T, text string) {
		z, err := Parse(strings.NewReader(text), "sv.", "fuzz")
		if err != nil {
			return
		}
		if _, err := Build("sv.", z.Records()); err != nil {
			t.Fatalf("loaded zone does not rebuild: %v", err)
		}
	})
}

// TestLoadWithoutTTLDirective: a large file without $TTL (as dnssec-signzone
// writes them) is parsed in parallel, and records with no TTL still take the
// last one stated before them, even across a chunk boundary.
func TestLoadWithoutTTLDirective(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("tld. 3600 IN SOA ns.tld. h.tld. 1 2 3 4 5\ntld. 3600 IN NS ns.tld.\nns.tld. 3600 IN A 192.0.2.1\n")
	for i := 0; sb.Len() < 5*chunkSize; i++ {
		if i%5000 == 0 {
			fmt.Fprintf(&sb, "d%d.tld. %d IN NS ns1.example.\n", i, 100+i%7)
		} else {
			fmt.Fprintf(&sb, "d%d.tld. IN NS ns1.example.\n", i) // inherits the TTL above
		}
	}
	path := filepath.Join(t.TempDir(), "tld.zone")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if splitZone([]byte(sb.String())) == nil {
		t.Fatal("a file without $TTL is not split")
	}
	par, err := Load("tld.", path)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := Parse(strings.NewReader(sb.String()), "tld.", "gen")
	if err != nil {
		t.Fatal(err)
	}
	if recordText(par) != recordText(seq) {
		t.Fatal("parallel and sequential loads differ")
	}
}

// TestRRSetTableSized checks that the RRSet table is allocated at its final
// size (countRRSets), neither grown by appending nor left with unused room,
// on zones with several types per name, signatures, and one name with many
// records.
func TestRRSetTableSized(t *testing.T) {
	var many strings.Builder
	many.WriteString("$ORIGIN example.\n@ 60 SOA ns admin 1 1 1 1 1\n@ 60 NS ns\nns 60 A 192.0.2.1\n")
	for i := range 100 {
		fmt.Fprintf(&many, "big 60 TXT \"%d\"\nbig 60 A 192.0.2.%d\n", i, i)
	}
	for _, tt := range []struct{ name, text string }{
		{"many records at one name", many.String()},
	} {
		z, err := Parse(strings.NewReader(tt.text), "example.", tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if len(z.rrsets) != cap(z.rrsets) || len(z.rrsets) != 5 {
			t.Errorf("%s: %d RRSets in a table of %d, want 5 in 5", tt.name, len(z.rrsets), cap(z.rrsets))
		}
	}
	z, err := Load("sv.", "testdata/ok.zone")
	if err != nil {
		t.Fatal(err)
	}
	if len(z.rrsets) != cap(z.rrsets) {
		t.Errorf("ok.zone: %d RRSets in a table of %d", len(z.rrsets), cap(z.rrsets))
	}
}

// splitZone cuts text into chunks as parseText does, or returns nil when
// it must be parsed in one piece.
func splitZone(text []byte) []chunk {
	var chunks []chunk
	if !canSplit(text) {
		return nil
	}
	if err := scanChunks(text, func(c chunk) bool { chunks = append(chunks, c); return true }); err != nil {
		return nil
	}
	return chunks
}
