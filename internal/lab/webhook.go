package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"anycloud/internal/httpserve"
)

// The lab's webhook receiver stands for an operator's alerting system: it
// listens on loopback inside the noc's namespace and appends every JSON
// POST, with the time it arrived, as one line of a file, so that tests
// and people can see which alert reached it when.

// Bounds on what the receiver keeps: the monitors are the lab's own, but a
// receiver that grows without bound is still a fault.
const (
	webhookMaxBody  = 64 << 10 // one alert is far below this
	webhookMaxLines = 100000   // the file stops growing after this many
	webhookTimeout  = 5 * time.Second
)

// WebhookRecord is one line of the receiver's file.
type WebhookRecord struct {
	Received time.Time       `json:"received"`
	Body     json.RawMessage `json:"body"`
}

// WebhookHandler appends each POSTed JSON body to out.
func WebhookHandler(out io.Writer) http.Handler {
	var mu sync.Mutex
	lines := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookMaxBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if !json.Valid(body) {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		line, _ := json.Marshal(WebhookRecord{Received: time.Now().UTC(), Body: body})
		mu.Lock()
		defer mu.Unlock()
		if lines >= webhookMaxLines {
			http.Error(w, "receiver full", http.StatusInsufficientStorage)
			return
		}
		lines++
		if _, err := out.Write(append(line, '\n')); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// RunWebhook serves WebhookHandler on listen (loopback only) until ctx
// ends, appending to the file out.
func RunWebhook(ctx context.Context, listen, out string) error {
	if err := checkLoopback("webhook", listen); err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	srv := httpserve.New(WebhookHandler(f), webhookTimeout)
	srv.ReadHeaderTimeout, srv.ReadTimeout = webhookTimeout, webhookTimeout
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
