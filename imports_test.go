package anycloud_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Import rules, in the spirit of Tailscale's tstest/deptest: each package's
// doc comment says what it must never do, and where imports can show a
// breach, a rule below makes `go list -deps` prove there is none. The
// sentences imports cannot check are listed after the rules.

// in is the module's internal tree.
const in = "anycloud/internal/"

// noIOImports may not be imported by a package that "must never perform
// I/O". They are checked against the package's own imports only (direct):
// every package that handles DNS messages reaches net and os through
// github.com/miekg/dns, which parses and packs there, it does no I/O.
var noIOImports = []string{"os", "os/exec", "os/signal", "net", "net/http", "syscall", "golang.org/x/sys/unix", "io/ioutil"}

// ioDeps do I/O (processes, HTTP, zone transfers, files on disk,
// replication), so a package that performs none reaches none of them at
// any depth.
var ioDeps = []string{"os/exec", "net/http", in + "xfr", in + "store", in + "replica"}

// importRule forbids imports to one package. A new package (one split out of
// another, say) gets its rules by adding lines, one per doc sentence.
type importRule struct {
	pkg    string   // import path; "anycloud/..." is every package of the module
	direct bool     // only the package's own imports, not its dependencies at every depth
	forbid []string // import paths; "x/..." is x and every package below it
	why    string   // "file: sentence" the rule enforces; the test checks the file says it
}

const archDoc = "internal/docgen/templates/architecture.md.tmpl: "

var importRules = []importRule{
	{in + "catalog", true, noIOImports, "internal/catalog/doc.go: It must never perform I/O"},
	{in + "catalog", false, ioDeps, "internal/catalog/doc.go: It must never perform I/O"},
	{in + "zonever", true, noIOImports, "internal/zonever/doc.go: It must never perform I/O"},
	{in + "zonever", false, ioDeps, "internal/zonever/doc.go: It must never perform I/O"},
	{in + "gate", true, noIOImports, "internal/gate/doc.go: It must never modify a version, perform I/O or keep state"},
	{in + "gate", false, ioDeps, "internal/gate/doc.go: It must never modify a version, perform I/O or keep state"},
	// zone reads master files (os), nothing else.
	{in + "zone", true, []string{"net", "net/http", "os/exec", "os/signal", "syscall", "golang.org/x/sys/unix"}, "internal/zone/doc.go: It must never perform I/O beyond reading the files it is asked to load"},
	{in + "zone", false, ioDeps, "internal/zone/doc.go: It must never perform I/O beyond reading the files it is asked to load"},
	{in + "xfr", false, []string{in + "gate"}, "internal/xfr/doc.go: It must never decide whether a version is acceptable (that is the gate's job)"},
	{in + "xfr", false, []string{in + "secondary", in + "store"}, "internal/xfr/doc.go: nor keep state between calls: callers own timers and versions"},
	{in + "secondary", false, []string{in + "gate", in + "store"}, "internal/secondary/doc.go: It must never judge or store a version itself"},
	{in + "store", false, []string{in + "gate"}, "internal/store/doc.go: It must never decide what to store (callers do)"},
	{in + "authserver", false, []string{in + "xfr", in + "zonever", in + "secondary", in + "hub/..."}, "internal/authserver/doc.go: never serve zone transfers: transfers belong to the hub"},
	{in + "announce", false, []string{in + "hub/...", in + "replica", in + "secondary", in + "xfr", in + "catalog"}, "internal/announce/doc.go: no check here may depend on the hub"},
	// The one-way flow: the node side never reaches into the hub side, nor the hub into the node.
	{in + "node", false, []string{in + "hub/...", in + "replica", in + "onboard"}, archDoc + "Zones flow one way, from each client's primary through the hub to every node"},
	{in + "hub", false, []string{in + "node"}, archDoc + "Zones flow one way, from each client's primary through the hub to every node"},
	{in + "monitor", false, []string{in + "hub/...", in + "node", in + "secondary", in + "store", in + "replica"}, "internal/monitor/doc.go: It must never change a zone, a node or the hub, and never import their internals"},
	{in + "onboard", false, []string{in + "hub/...", in + "node", in + "secondary", in + "store", in + "replica"}, "internal/onboard/doc.go: It only reads: it must never change a zone, the hub's state or a node"},
	{in + "firewall", false, []string{"os/exec", "golang.org/x/sys/unix", "github.com/vishvananda/netlink"}, "internal/firewall/doc.go: it must never load a ruleset into the running kernel itself"},
	// lab/cloud reaches os/exec through announce (BIRD's birdc), so only its own imports.
	{in + "lab/cloud", true, []string{"os/exec", "syscall", "golang.org/x/sys/unix"}, "internal/lab/cloud/doc.go: It must never start a process itself"},
	{"anycloud/cmd/anycloud", false, []string{in + "docgen"}, "internal/docgen/doc.go: it must never be imported by a running command"},
	{"anycloud/cmd/anycloud", false, []string{in + "web/browser", "github.com/chromedp/..."}, "internal/web/browser/browser.go: must never be used by the running cloud, only by tests and tools"},
	{in + "node", false, []string{in + "testpeer"}, "internal/testpeer/doc.go: never imported by the production code paths of anycloud node, hub, monitor or client"},
	{in + "hub", false, []string{in + "testpeer"}, "internal/testpeer/doc.go: never imported by the production code paths of anycloud node, hub, monitor or client"},
	{in + "monitor", false, []string{in + "testpeer"}, "internal/testpeer/doc.go: never imported by the production code paths of anycloud node, hub, monitor or client"},
	// The hub's control plane sits above it: control -> admin -> hub, never back.
	{in + "hub", false, []string{in + "admin", in + "control"}, "internal/admin/doc.go: It sits above internal/hub"},
	{in + "admin", false, []string{in + "control"}, "internal/admin/doc.go: It serves no network itself: internal/control is its API"},
	{in + "admin", true, []string{"net/http"}, "internal/admin/doc.go: It serves no network itself: internal/control is its API"},
	{in + "control", true, []string{in + "replica"}, "internal/control/doc.go: it must never change the administered state other than through internal/admin"},
	{in + "adminstate", true, noIOImports, "internal/adminstate/doc.go: it must never do I/O, import another anycloud package"},
	{in + "adminstate", false, []string{"anycloud/..."}, "internal/adminstate/doc.go: it must never do I/O, import another anycloud package"},
	// peerconf renders text for the lab inside the binary and for tests.
	{in + "peerconf", false, []string{"testing", "os/exec"}, "internal/peerconf/doc.go: It must never start a process, never import testing"},
	{"anycloud/cmd/anycloud", false, []string{in + "testpeer", in + "testenv"}, "internal/testpeer/doc.go: It is for tests and the bench only"},
	{"anycloud/...", false, []string{in + "conformance"}, "internal/conformance/doc.go: It must never be imported"},
	{"anycloud/...", false, []string{in + "faults"}, "internal/faults/doc.go: It has no code outside its tests"},
}

// Not checkable by imports (what a package does with what it may import):
//   - announce: never listens on TCP 179 unless configured, never changes
//     routes or addresses other than the service addresses on loopback, keeps
//     no route a peer sends;
//   - authserver: no allocation per query on the UDP hot path, no listener
//     blocking another;
//   - catalog: never trusts a parsed catalog beyond RFC 9432;
//   - docgen: no hand-written copy of a key, default or metric name;
//   - faults, conformance, lab: never touch the host namespace, leave nothing
//     behind, query only loopback;
//   - gate, zonever, xfr: never modify a version, keep no state;
//   - hub: never serves a refused version, never answers a transfer without
//     a node key, keeps the last good version;
//   - metrics: imports the packages it reports on for their plain data types
//     only (announce and authserver are imported, for their types);
//   - node: never withdraws for an unreachable hub, never goes back a serial
//     for one lagging hub, acts only on signed NOTIFY, drains before stopping;
//   - onboard: never logs or returns a TSIG secret outside the bundle;
//   - replica, store, zone: what they write, refuse and keep;
//   - testpeer: the client's code path (cmd/anycloud holds the client and the
//     lab, which may use testpeer, in one package);
//   - web: the page fetches nothing from elsewhere (its Content-Security-Policy);
//   - yamlconf: never validates values.

// listedPackage is what `go list -json` says of one package.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// goList lists the packages matching patterns with their imports and
// dependencies (non-test files, the build the binary gets).
func goList(t *testing.T, patterns ...string) []listedPackage {
	t.Helper()
	args := append([]string{"list", "-e", "-json=ImportPath,Imports,Deps,Error,DepsErrors"}, patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// matchPath reports whether path is pattern, or below it for "x/...".
func matchPath(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// violations lists, for one package, each import a rule forbids.
func violations(rules []importRule, p listedPackage) []string {
	var out []string
	for _, r := range rules {
		if !matchPath(r.pkg, p.ImportPath) {
			continue
		}
		imports, how := p.Deps, "at some depth"
		if r.direct {
			imports, how = p.Imports, "itself"
		}
		for _, imp := range imports {
			for _, f := range r.forbid {
				if matchPath(f, imp) {
					out = append(out, p.ImportPath+" imports "+imp+" ("+how+"), but "+r.why)
				}
			}
		}
	}
	return out
}

func TestImportRules(t *testing.T) {
	pkgs := goList(t, "./...")
	listed := map[string]bool{}
	for _, p := range pkgs {
		listed[p.ImportPath] = true
		if p.Error != nil {
			t.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		for _, e := range p.DepsErrors {
			t.Errorf("%s: %s", p.ImportPath, e.Err)
		}
		for _, v := range violations(importRules, p) {
			t.Error(v)
		}
	}
	// A rule about a package that is gone (renamed, split) guards nothing.
	for _, r := range importRules {
		found := false
		for path := range listed {
			found = found || matchPath(r.pkg, path)
		}
		if !found {
			t.Errorf("rule for %s: no such package in the module", r.pkg)
		}
	}
}

// TestImportRulesForbidRealPackages: every forbidden path names a package
// that exists (a typo or a rename would make its rule pass forever).
func TestImportRulesForbidRealPackages(t *testing.T) {
	seen := map[string]bool{}
	var patterns []string
	for _, r := range importRules {
		for _, f := range r.forbid {
			if !seen[f] {
				seen[f] = true
				patterns = append(patterns, f)
			}
		}
	}
	sort.Strings(patterns)
	pkgs := goList(t, patterns...)
	for _, f := range patterns {
		found := false
		for _, p := range pkgs {
			found = found || (p.Error == nil && matchPath(f, p.ImportPath))
		}
		if !found {
			t.Errorf("forbidden import %s: no such package", f)
		}
	}
}

// TestImportRulesCatch: every rule reports a package that imports what it
// forbids, directly and (for dependency rules) at depth, and a "x/..."
// pattern catches x and a package below x.
func TestImportRulesCatch(t *testing.T) {
	for _, r := range importRules {
		pkg := r.pkg
		if base, ok := strings.CutSuffix(pkg, "/..."); ok {
			pkg = base + "/cmd/anycloud"
		}
		for _, f := range r.forbid {
			imps := []string{f}
			if base, ok := strings.CutSuffix(f, "/..."); ok {
				imps = []string{base, base + "/sub"}
			}
			for _, imp := range imps {
				p := listedPackage{ImportPath: pkg, Imports: []string{"fmt", imp}, Deps: []string{"fmt", imp}}
				if got := violations([]importRule{r}, p); len(got) != 1 {
					t.Errorf("rule %s -> %s: %s importing %s gives %q, want one violation", r.pkg, f, pkg, imp, got)
				}
				// A package that is not the rule's is never reported.
				other := listedPackage{ImportPath: "example.com/other", Imports: []string{imp}, Deps: []string{imp}}
				if got := violations([]importRule{r}, other); len(got) != 0 {
					t.Errorf("rule %s -> %s reports another package: %q", r.pkg, f, got)
				}
			}
		}
		// Reached through another package only: a violation of a
		// dependency rule, not of a rule about the package's own imports.
		want := 1
		if r.direct {
			want = 0
		}
		p := listedPackage{ImportPath: pkg, Imports: []string{"fmt"}, Deps: []string{"fmt", strings.TrimSuffix(r.forbid[0], "/...")}}
		if got := violations([]importRule{r}, p); len(got) != want {
			t.Errorf("rule %s -> %s: an indirect import gives %q, want %d violations", r.pkg, r.forbid[0], got, want)
		}
	}
}

// TestImportRulesQuoteTheDocs: each rule's sentence is in the file it names,
// so a rule and the doc it enforces cannot drift apart unnoticed.
func TestImportRulesQuoteTheDocs(t *testing.T) {
	for _, r := range importRules {
		file, sentence, ok := strings.Cut(r.why, ": ")
		if !ok {
			t.Errorf("rule %s: why %q is not \"file: sentence\"", r.pkg, r.why)
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("rule %s: %v", r.pkg, err)
			continue
		}
		// Comment markers and line breaks aside.
		text := strings.Join(strings.Fields(strings.ReplaceAll(string(b), "//", " ")), " ")
		if !strings.Contains(text, strings.Join(strings.Fields(sentence), " ")) {
			t.Errorf("rule %s: %s does not say %q", r.pkg, file, sentence)
		}
	}
}

// TestModuleImportsNotRenamed: a package of the module is imported under its
// own name everywhere (zone as zone, not as "serving"), so one package
// reads the same in every file; a clashing local variable is renamed
// instead. Blank and dot imports are not renames.
func TestModuleImportsNotRenamed(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || path == filepath.Join("bench", "work")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, im := range f.Imports {
			imp, _ := strconv.Unquote(im.Path.Value)
			if im.Name == nil || im.Name.Name == "_" || !strings.HasPrefix(imp, "anycloud/") {
				continue
			}
			if base := imp[strings.LastIndex(imp, "/")+1:]; im.Name.Name != base {
				t.Errorf("%s: imports %s as %s; import it as %s", fset.Position(im.Pos()), imp, im.Name.Name, base)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Errorf("read %d Go files; the walk missed the module", files)
	}
}
