package packaging

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInstalledDocLinksResolve: every relative link in a document the
// package installs (install.md, CHANGELOG.md, the examples' READMEs) leads
// to a file the package installs too, so an operator reading them offline
// on the host never follows a link into nothing.
func TestInstalledDocLinksResolve(t *testing.T) {
	needTool(t, "dpkg-deb")
	root := t.TempDir()
	output(t, "dpkg-deb", "-x", debFile(t, dist(t), "amd64"), root)
	docs := 0
	for _, broken := range brokenLinks(t, root, &docs) {
		t.Error(broken)
	}
	if docs < 2 {
		t.Errorf("found %d Markdown documents in the package, want install.md and CHANGELOG.md at least", docs)
	}
}

// TestBrokenLinks: the link check itself finds what is missing and only that.
func TestBrokenLinks(t *testing.T) {
	root := t.TempDir()
	for name, text := range map[string]string{
		"usr/share/doc/x/guide.md": "[ok](examples/a.yaml), [dir](examples/), [anchor](#top), " +
			"[web](https://example.org/x.md), [mail](mailto:a@example.org), ![img](missing.png), " +
			"[gone](other.md#part), [up](../../../../../etc/passwd), [query](examples/a.yaml?raw=1), " +
			"[abs](/usr/share/doc/x/examples/a.yaml), [absgone](/usr/share/doc/x/b.md)",
		"usr/share/doc/x/examples/a.yaml": "a: 1\n",
	} {
		writeFile(t, filepath.Join(root, name), text)
	}
	docs := 0
	got := brokenLinks(t, root, &docs)
	want := []string{"missing.png", "other.md#part", "../../../../../etc/passwd", "/usr/share/doc/x/b.md"}
	if len(got) != len(want) || docs != 1 {
		t.Fatalf("brokenLinks found %d in %d docs: %q; want %d: %q", len(got), docs, got, len(want), want)
	}
	for i, w := range want {
		if !strings.Contains(got[i], "("+w+")") {
			t.Errorf("broken link %d: %q, want one naming %q", i, got[i], w)
		}
	}
}

// markdownLink is an inline link or image: [text](target) or ![alt](target "title").
var markdownLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)

// brokenLinks lists the relative links of the Markdown files under root
// whose target is not a file or directory under root, counting the files.
func brokenLinks(t *testing.T, root string, docs *int) []string {
	t.Helper()
	var broken []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		*docs++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, m := range markdownLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			u, err := url.Parse(target)
			if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" {
				continue // a URL elsewhere, or an anchor in this file
			}
			dest := filepath.Join(filepath.Dir(path), filepath.FromSlash(u.Path))
			if strings.HasPrefix(u.Path, "/") {
				dest = filepath.Join(root, filepath.FromSlash(u.Path)) // the host's own path
			}
			inside, _ := filepath.Rel(root, dest)
			if _, err := os.Stat(dest); err != nil || strings.HasPrefix(inside, "..") {
				broken = append(broken, "/"+filepath.ToSlash(rel)+": link ("+target+") leads to no installed file")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return broken
}
