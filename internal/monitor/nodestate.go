package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// fetchNodeStates reads every node's status URL in parallel. The document
// is the announcer's status ({"state": "announced", "reason": ...}); nodes
// without a URL, or whose URL fails, keep what they last reported (a node
// that does not answer is already caught by its SOA queries).
func (m *Monitor) fetchNodeStates(ctx context.Context, cfg Config) map[string]nodeAnnounce {
	out := map[string]nodeAnnounce{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Timeout: cfg.Timeout}
	for _, n := range cfg.Nodes {
		if n.StatusURL == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := fetchNodeState(ctx, client, n.StatusURL)
			if err != nil {
				m.log.Debug("node status", "node", n.Name, "err", err)
				return
			}
			st.at = m.now()
			mu.Lock()
			out[n.Name] = st
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func fetchNodeState(ctx context.Context, client *http.Client, url string) (nodeAnnounce, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nodeAnnounce{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nodeAnnounce{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nodeAnnounce{}, fmt.Errorf("status %s", resp.Status)
	}
	var doc struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nodeAnnounce{}, fmt.Errorf("decoding %s: %w", url, err)
	}
	switch doc.State {
	case "announced", "withdrawn", "drained":
		return nodeAnnounce{state: doc.State, reason: doc.Reason}, nil
	}
	return nodeAnnounce{}, fmt.Errorf("%s: unknown state %q", url, doc.State)
}
