package yamlconf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestProblemsEveryOneAtItsPath: problems added through the root and
// through nested views all come back, in order, each at its full path.
func TestProblemsEveryOneAtItsPath(t *testing.T) {
	var p Problems
	if p.Err() != nil {
		t.Fatal("no problem yet, but an error")
	}
	p.Add("storage", "required")
	hub := p.In(Index("hubs", 1))
	hub.In("tsig").Add("secret-file", "open %s: no such file", "x.key")
	ann := p.In("announce")
	ann.In(Index("peers", 0)).Add("neighbor", "%q is not an IP address", "router")
	ann.Add("", "the section itself")
	p.Add("", "the file as a whole")
	err := p.Err()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Err() = %T, want *Error", err)
	}
	want := []string{
		"storage: required",
		"hubs[1].tsig.secret-file: open x.key: no such file",
		`announce.peers[0].neighbor: "router" is not an IP address`,
		"announce: the section itself",
		"the file as a whole",
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("Err():\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if len(e.Problems) != len(want) || e.Problems[1].Field != "hubs[1].tsig.secret-file" {
		t.Errorf("problems %+v", e.Problems)
	}
	if !ann.Has("peers[0].neighbor") || ann.Has("peers[1].neighbor") || !p.Has("announce.peers[0].neighbor") {
		t.Error("Has does not find the problems by path relative to the view")
	}
	// Err through a view is the whole file's.
	if hub.Err().Error() != err.Error() {
		t.Error("a view's Err differs from the root's")
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1:53"},
		{"192.0.2.1:5353", "192.0.2.1:5353"},
		{"2001:db8::1", "[2001:db8::1]:53"},
		{"[2001:db8::1]:5353", "[2001:db8::1]:5353"},
		{"2001:0db8::1", "[2001:db8::1]:53"},
		{"ns1.example", ""},
		{"192.0.2.1:domain", ""},
		{"[2001:db8::1]", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, err := HostPort(tc.in, 53)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("HostPort(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestValueChecks: each helper returns the parsed value or the default, and
// reports a wrong value at its field.
func TestValueChecks(t *testing.T) {
	tests := []struct {
		name  string
		check func(p *Problems) any
		want  any
		probs string
	}{
		{"duration unset", func(p *Problems) any { return p.Duration("d", "", 7*time.Second) }, 7 * time.Second, ""},
		{"duration", func(p *Problems) any { return p.Duration("d", "5m", 0) }, 5 * time.Minute, ""},
		{"duration negative", func(p *Problems) any { return p.Duration("d", "-1s", time.Second) }, time.Second, `d: "-1s" is not a positive duration such as 10s or 5m`},
		{"duration zero", func(p *Problems) any { return p.Duration("d", "0s", time.Second) }, time.Second, `d: "0s" is not a positive duration such as 10s or 5m`},
		{"duration word", func(p *Problems) any { return p.Duration("d", "soon", time.Second) }, time.Second, `d: "soon" is not a positive duration such as 10s or 5m`},
		{"host port", func(p *Problems) any { return p.HostPort("a", "192.0.2.1", 53) }, "192.0.2.1:53", ""},
		{"host port name", func(p *Problems) any { return p.HostPort("a", "ns1", 53) }, "", `a: "ns1" is not an IP address or IP:port`},
		{"addr port", func(p *Problems) any { return p.AddrPort("a", "::1", 5353).String() }, "[::1]:5353", ""},
		{"listen none", func(p *Problems) any { p.Listen("listen", nil); return nil }, nil, "listen: at least one address:port is required"},
		{"listen bare address", func(p *Problems) any { p.Listen("listen", []string{"127.0.0.1:53", "::1"}); return nil }, nil, `listen[1]: "::1" is not an IP:port (IPv6 as [::1]:53)`},
		{"loopback unset", func(p *Problems) any { p.Loopback("control", "", "why"); return nil }, nil, ""},
		{"loopback", func(p *Problems) any { p.Loopback("control", "[::1]:8953", "why"); return nil }, nil, ""},
		{"not loopback", func(p *Problems) any { p.Loopback("control", "192.0.2.1:8953", "why"); return nil }, nil, "control: 192.0.2.1:8953 is not a loopback address: why"},
		{"loopback no port", func(p *Problems) any { p.Loopback("control", "127.0.0.1", "why"); return nil }, nil, `control: "127.0.0.1" is not an IP:port`},
		{"addr", func(p *Problems) any { return p.Addr("a", "x").IsValid() }, false, `a: "x" is not an IP address`},
		{"domain name", func(p *Problems) any { return p.DomainName("z", "SV") }, "sv.", ""},
		{"bad domain name", func(p *Problems) any { return p.DomainName("z", "a..b") }, "", `z: "a..b" is not a domain name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Problems
			got := tc.check(&p)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			probs := ""
			if err := p.Err(); err != nil {
				probs = err.Error()
			}
			if probs != tc.probs {
				t.Errorf("problems %q, want %q", probs, tc.probs)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"/etc/anycloud", "node.key", "/etc/anycloud/node.key"},
		{"/etc/anycloud", "/run/k", "/run/k"},
		{"/etc/anycloud", "", ""},
	} {
		if got := Resolve(tc.base, tc.path); got != tc.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tc.base, tc.path, got, tc.want)
		}
	}
}

// TestParseReportsEveryProblem: Parse decodes strictly, then returns every
// problem check found, not the first.
func TestParseReportsEveryProblem(t *testing.T) {
	type file struct {
		A string `yaml:"a"`
		B string `yaml:"b"`
	}
	var f file
	check := func(p *Problems) string {
		p.Duration("a", f.A, 0)
		p.HostPort("b", f.B, 53)
		return f.A + f.B
	}
	if _, err := Parse([]byte("a: soon\nb: ns1\n"), &f, check); err == nil || err.Error() != "a: \"soon\" is not a positive duration such as 10s or 5m\nb: \"ns1\" is not an IP address or IP:port" {
		t.Errorf("Parse: %v", err)
	}
	f = file{}
	if _, err := Parse([]byte("a: 1s\nc: 1\n"), &f, check); err == nil || err.Error() != `line 2: unknown key "c"` {
		t.Errorf("Parse with an unknown key: %v", err)
	}
	f = file{}
	if got, err := Parse([]byte("a: 1s\nb: 192.0.2.1\n"), &f, check); err != nil || got != "1s192.0.2.1" {
		t.Errorf("Parse of a good file = %q, %v", got, err)
	}
}
