package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Sink receives every alert change.
type Sink interface {
	Send(ctx context.Context, a Alert) error
}

// logSink writes alerts to the log: firing as warnings, resolved as info.
type logSink struct{ log *slog.Logger }

func (s logSink) Send(_ context.Context, a Alert) error {
	level := slog.LevelWarn
	if a.State == "resolved" {
		level = slog.LevelInfo
	}
	s.log.Log(context.Background(), level, "alert "+a.State, "kind", a.Kind, "subject", a.Subject,
		"severity", a.Severity, "message", a.Message)
	return nil
}

// webhookSink POSTs each alert as JSON, retrying with doubling backoff on
// network errors, 5xx and 429; any other 4xx means the receiver will never
// take it, so it is not retried.
type webhookSink struct {
	cfg    Webhook
	client *http.Client
}

func newWebhookSink(cfg Webhook) *webhookSink {
	return &webhookSink{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}}
}

func (s *webhookSink) Send(ctx context.Context, a Alert) error {
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encoding alert: %w", err)
	}
	wait := s.cfg.Backoff
	for attempt := 0; ; attempt++ {
		retry, err := s.post(ctx, body)
		if err == nil {
			return nil
		}
		if !retry || attempt >= s.cfg.Retries {
			return fmt.Errorf("webhook %s, attempt %d: %w", s.cfg.URL, attempt+1, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (s *webhookSink) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return true, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return true, fmt.Errorf("status %s", resp.Status)
	default:
		return false, fmt.Errorf("status %s", resp.Status)
	}
}

// dispatcher writes each alert change to the log at once and hands it to
// the webhook's queue, so neither a slow webhook nor a burst of changes
// ever delays a polling round or the caller of Report.
type dispatcher struct {
	log  Sink
	hook *hookQueue // nil without a webhook
}

func newDispatcher(log *slog.Logger, hook Sink) *dispatcher {
	d := &dispatcher{log: logSink{log}}
	if hook != nil {
		d.hook = newHookQueue(hook, log)
	}
	return d
}

func (d *dispatcher) enqueue(alerts []Alert) {
	for _, a := range alerts {
		d.log.Send(context.Background(), a)
		if d.hook != nil {
			d.hook.push(a)
		}
	}
}

// run delivers to the webhook until ctx is done.
func (d *dispatcher) run(ctx context.Context) {
	if d.hook != nil {
		d.hook.run(ctx)
	}
}
