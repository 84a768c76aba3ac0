package lab

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWebhookHandler: alerts are kept one JSON line each; a body over the
// bound, a non-JSON body and a GET are refused and keep nothing.
func TestWebhookHandler(t *testing.T) {
	cases := []struct {
		name, method, body string
		want               int
		kept               bool
	}{
		{"alert", http.MethodPost, `{"kind":"hub_unreachable","state":"firing"}`, http.StatusNoContent, true},
		{"too large", http.MethodPost, `{"x":"` + strings.Repeat("a", webhookMaxBody) + `"}`, http.StatusRequestEntityTooLarge, false},
		{"not json", http.MethodPost, `hub down`, http.StatusBadRequest, false},
		{"get", http.MethodGet, ``, http.StatusMethodNotAllowed, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			rec := httptest.NewRecorder()
			WebhookHandler(&out).ServeHTTP(rec, httptest.NewRequest(tc.method, "/", strings.NewReader(tc.body)))
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if !tc.kept {
				if out.Len() != 0 {
					t.Fatalf("kept %d bytes", out.Len())
				}
				return
			}
			var r WebhookRecord
			if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &r); err != nil || string(r.Body) != tc.body || r.Received.IsZero() {
				t.Fatalf("kept %q (%v)", out.String(), err)
			}
		})
	}
}
