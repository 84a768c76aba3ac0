package control

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"anycloud/internal/admin"
	"anycloud/internal/hub"
)

// controlRoutes are the control API's routes, as the fuzz target picks
// them by number.
var controlRoutes = []struct{ method, path string }{
	{"GET", "/status"}, {"POST", "/retransfer"}, {"POST", "/reload"}, {"GET", "/hello"},
	{"GET", "/onboard/settings"}, {"POST", "/onboard/clients"}, {"POST", "/onboard/check"},
	{"GET", "/onboard/status"}, {"POST", "/onboard/nodes"}, {"GET", "/onboard/nodes"},
	{"POST", "/onboard/node-state"},
}

// fuzzHubYAML has no client and one node; the hub runs without a file, so
// every request that would add a client or a node reaches the reload and
// is refused there, and nothing reaches the network.
const fuzzHubYAML = `listen: ["127.0.0.1:1"]
control: 127.0.0.1:2
storage: %s
catalog: catalog.anycloud.
onboarding:
  nameservers: [ns.anycloud.example.]
nodes:
  - name: node1
    address: 127.0.0.1:3
    tsig: {name: node1-key., algorithm: hmac-sha256, secret-file: node.key}
`

// newControlFuzzHub is a hub that is never run, with its control handler
// and token.
func newControlFuzzHub(f *testing.F) (*hub.Hub, http.Handler, string) {
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "node.key"), []byte(nodeSecret+"\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	cfg, err := hub.ParseConfig([]byte(strings.Replace(fuzzHubYAML, "%s", filepath.Join(dir, "storage"), 1)), dir)
	if err != nil {
		f.Fatal(err)
	}
	h, err := hub.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{h: h, a: admin.New(h)}
	handler, err := s.Handler()
	if err != nil {
		f.Fatal(err)
	}
	token, err := s.token()
	if err != nil {
		f.Fatal(err)
	}
	return h, handler, token
}

// FuzzControlAPI drives the hub's control API (the JSON bodies of client
// add, checks, node add and node state, and the query strings) through the
// real handlers and token check: no request panics the hub, one without
// the token is refused, a refused body gets a 4xx with a
// reason, and none changes the hub's clients or nodes behind its back.
func FuzzControlAPI(f *testing.F) {
	seeds := []struct {
		route uint8
		query string
		body  string
	}{
		{5, "", `{"zone":"sv.","primaries":["192.0.2.1"],"key":{"name":"sv-anycloud.","algorithm":"hmac-sha256","secret":"` + clientSecret + `"}}`},
		{5, "", `{"zone":"sv.","rotate":true,"key":{"name":"k.","algorithm":"hmac-md5","secret":"!!"}}`},
		{5, "", `{"zone":"","primaries":null,"key":{}}`},
		{6, "", `{"zone":"sv.","step":"all","key":{"name":"trial.","algorithm":"hmac-sha256","secret":"` + clientSecret + `"}}`},
		{6, "", `{"zone":"..","step":"transfer"}`},
		{8, "", `{"name":"node2","address":"192.0.2.9:53","key":{"name":"node2-xfr.","algorithm":"hmac-sha256","secret":"` + nodeSecret + `"},"site":{"city":"Lima","lat":-12.05,"lon":-77.04}}`},
		{8, "", `{"name":"node1","address":"x","key":{"name":"node1-key.","algorithm":"hmac-sha256","secret":"` + nodeSecret + `"}}`},
		{10, "", `{"name":"node1","state":"drained"}`},
		{10, "", `{"name":"node1","state":"gone"}`},
		{10, "", `[1,2,3]`},
		{1, "zone=sv.&accept-older=1", ``},
		{7, "zone=%00", ``},
		{0, "", `{`},
	}
	for _, s := range seeds {
		f.Add(s.route, s.query, true, []byte(s.body))
	}
	f.Add(uint8(0), "", false, []byte(nil))
	h, handler, token := newControlFuzzHub(f)
	nodesFile := hub.AdminPath(h.Config().Storage, hub.AdminNodes)
	clientsFile := hub.AdminPath(h.Config().Storage, hub.AdminClients)
	f.Fuzz(func(t *testing.T, route uint8, query string, auth bool, body []byte) {
		rt := controlRoutes[int(route)%len(controlRoutes)]
		req := httptest.NewRequest(rt.method, "/", bytes.NewReader(body))
		req.URL.Path, req.URL.RawQuery = rt.path, query
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		code := w.Result().StatusCode
		out, _ := io.ReadAll(w.Result().Body)
		switch {
		case !auth:
			if code != http.StatusUnauthorized {
				t.Fatalf("%s %s without the token: %d %s", rt.method, rt.path, code, out)
			}
		case code >= 500:
			t.Fatalf("%s %s?%s %q: %d %s", rt.method, rt.path, query, body, code, out)
		case code >= 400 && len(bytes.TrimSpace(out)) == 0:
			t.Fatalf("%s %s: %d without a reason", rt.method, rt.path, code)
		case code == http.StatusOK && w.Header().Get("Content-Type") == "application/json" && !json.Valid(out):
			t.Fatalf("%s %s: invalid JSON answer %q", rt.method, rt.path, out)
		}
		cfg := h.Config()
		if len(cfg.Clients) != 0 || len(cfg.Nodes) != 1 {
			t.Fatalf("%s %s %q changed the hub: %d clients, %d nodes", rt.method, rt.path, body, len(cfg.Clients), len(cfg.Nodes))
		}
		for _, p := range []string{nodesFile, clientsFile} {
			if data, err := os.ReadFile(p); err == nil && len(bytes.TrimSpace(data)) > 0 && string(bytes.TrimSpace(data)) != "[]" {
				t.Fatalf("%s %s %q left %s behind:\n%s", rt.method, rt.path, body, p, data)
			}
		}
	})
}
