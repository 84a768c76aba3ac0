// Package web owns the dashboard's static files (HTML, CSS, JavaScript and
// the map of Latin America and the Caribbean), embedded in the binary so
// the dashboard works offline with no CDN and no runtime download.
//
// It serves files only: the data comes from the monitor's JSON API, which
// the page polls. It must never fetch anything from outside the server it
// was loaded from. tools/mkmap.mjs regenerates static/region.json.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the dashboard's files, index.html at /.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	files := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
		files.ServeHTTP(w, r)
	})
}
