package web

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestServesEmbeddedFiles(t *testing.T) {
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `<svg id="map"`},
		{"/app.js", "text/javascript", "api/v1/status"},
		{"/style.css", "text/css", "#map"},
		{"/region.json", "application/json", "Natural Earth"},
	}
	h := Handler()
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.contentType) {
			t.Errorf("%s: status %d, content type %q", tc.path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(rec.Body.String(), tc.contains) {
			t.Errorf("%s does not contain %q", tc.path, tc.contains)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: content security policy %q", tc.path, csp)
		}
	}
}

// The dashboard must work offline: no file may load anything from another
// host (the SVG namespace URI is an identifier, not a fetch).
func TestNoExternalReferences(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := static.ReadFile(path)
		for _, m := range external.FindAllString(string(data), -1) {
			if m != "http://www.w3.org" {
				t.Errorf("%s refers to %s", path, m)
			}
		}
		return nil
	})
}

func TestRegionMap(t *testing.T) {
	data, err := static.ReadFile("static/region.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Width, Height float64
		Shapes        []struct {
			Name   string
			Region bool
			D      string
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range m.Shapes {
		if s.Region {
			names[s.Name] = true
		}
		if !strings.HasPrefix(s.D, "M") {
			t.Errorf("%s: path %.20q is not SVG path data", s.Name, s.D)
		}
	}
	for _, want := range []string{"Chile", "Brazil", "Costa Rica", "Dominican Rep.", "Mexico", "Colombia", "Guatemala", "El Salvador"} {
		if !names[want] {
			t.Errorf("map lacks %s", want)
		}
	}
	if m.Width <= 0 || m.Height <= 0 {
		t.Errorf("map size %vx%v", m.Width, m.Height)
	}
}
