package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// NodeState reads a node's status document at url from inside namespace
// ns and returns its announcement state and reason; on failure the state
// is "unknown" and the reason says why.
func NodeState(ns, url string, timeout time.Duration) (state, reason string) {
	if url == "" {
		return "", ""
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			return DialIn(ns, network, addr, timeout)
		},
	}}
	resp, err := client.Get(url)
	if err != nil {
		return "unknown", err.Error()
	}
	defer resp.Body.Close()
	var doc struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "unknown", fmt.Sprintf("decoding %s: %v", url, err)
	}
	return doc.State, doc.Reason
}
