package catalog

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/testenv"
	"anycloud/internal/zonever"
)

var update = flag.Bool("update", false, "rewrite golden files")

func render(v *zonever.Version) string {
	var b strings.Builder
	for _, rr := range v.RRs {
		b.WriteString(rr.String() + "\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestBuildGolden(t *testing.T) {
	v, err := Build("catalog.anycloud.", 7, []string{"sv.", "com.sv", "BO.", "sv."})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "catalog.zone", render(v))
}

// Labels must not depend on the other members, the order, or case.
func TestMemberLabelStable(t *testing.T) {
	a, _ := Build("cat.", 1, []string{"sv.", "bo."})
	b, _ := Build("cat.", 2, []string{"zz.", "SV", "aa."})
	label := func(v *zonever.Version, zone string) string {
		members, err := Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if m.Zone == zone {
				return m.Label
			}
		}
		t.Fatalf("%s not in catalog", zone)
		return ""
	}
	if label(a, "sv.") != label(b, "sv.") {
		t.Error("label of sv. changed with the member list")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		zone    string
		want    []string // zones; nil with wantErr
		wantErr string
	}{
		{"v2 with properties", `cat. 0 SOA invalid. invalid. 1 60 30 600 0
cat. 0 NS invalid.
version.cat. 0 TXT "2"
a.zones.cat. 0 PTR sv.
group.a.zones.cat. 0 TXT "x"
b.zones.cat. 0 PTR bo.
`, []string{"bo.", "sv."}, ""},
		{"duplicate member taken once", `cat. 0 SOA invalid. invalid. 1 60 30 600 0
version.cat. 0 TXT "2"
b.zones.cat. 0 PTR sv.
a.zones.cat. 0 PTR SV.
`, []string{"sv."}, ""},
		{"version 1 refused", `cat. 0 SOA invalid. invalid. 1 60 30 600 0
version.cat. 0 TXT "1"
a.zones.cat. 0 PTR sv.
`, nil, `need exactly one version TXT "2"`},
		{"no version", `cat. 0 SOA invalid. invalid. 1 60 30 600 0
a.zones.cat. 0 PTR sv.
`, nil, "found []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := parseText(t, tt.zone)
			members, err := Parse(v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range members {
				got = append(got, m.Zone)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("members %v, want %v", got, tt.want)
			}
		})
	}
}

func parseText(t testing.TB, text string) *zonever.Version {
	zp := dns.NewZoneParser(strings.NewReader(text), "cat.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if zp.Err() != nil {
		testenv.SkipInput(t, "not a zone")
	}
	v, err := zonever.New("cat.", rrs)
	if err != nil {
		testenv.SkipInput(t, "no SOA first")
	}
	return v
}

// FuzzParse: no catalog content may panic the parser, and every member it
// returns is a single label under zones. with a valid zone name.
func FuzzParse(f *testing.F) {
	f.Add("cat. 0 SOA invalid. invalid. 1 60 30 600 0\nversion.cat. 0 TXT \"2\"\na.zones.cat. 0 PTR sv.\n")
	f.Add("cat. 0 SOA invalid. invalid. 1 60 30 600 0\nversion.cat. 0 TXT \"2\"\nx.y.zones.cat. 0 PTR .\n")
	f.Fuzz(func(t *testing.T, text string) {
		v := parseText(t, text)
		members, err := Parse(v)
		if err != nil {
			return
		}
		for _, m := range members {
			if m.Label == "" || strings.Contains(m.Label, ".") {
				t.Fatalf("bad label %q", m.Label)
			}
			if _, ok := dns.IsDomainName(m.Zone); !ok {
				t.Fatalf("bad zone %q", m.Zone)
			}
		}
	})
}

// Two hubs with the same clients must serve byte-identical catalogs: the
// content depends on the member set and serial alone, not on the order the
// clients were added in, their case, duplicates or the building hub.
func TestBuildSameOnEveryHub(t *testing.T) {
	wire := func(members []string) string {
		v, err := Build("catalog.anycloud.", 42, members)
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, rr := range v.Records() {
			buf := make([]byte, dns.Len(rr))
			n, err := dns.PackRR(rr, buf, 0, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, buf[:n]...)
		}
		return string(out)
	}
	a := wire([]string{"sv.", "bo.", "com.sv."})
	for _, other := range [][]string{
		{"com.sv.", "bo.", "sv."},
		{"BO", "sv.", "Com.SV.", "sv."},
	} {
		if b := wire(other); b != a {
			t.Errorf("members %q build a different catalog than %q", other, []string{"sv.", "bo.", "com.sv."})
		}
	}
	if wire([]string{"sv.", "bo."}) == a {
		t.Fatal("the comparison cannot fail: a different member set built the same bytes")
	}
}
