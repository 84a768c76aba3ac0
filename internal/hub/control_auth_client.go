package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// DefaultControl is where a hub's control API listens unless its
// configuration says otherwise; the CLI tries it when it finds no
// configuration file.
const DefaultControl = "127.0.0.1:8953"

// Control is an authenticated client of a hub's control API.
type Control struct {
	Addr  string
	Token string
	HTTP  *http.Client
}

// DialControl finds the token of the hub at addr through GET /hello and
// reads it; it works for whoever may read the hub's storage directory.
func DialControl(addr string) (*Control, error) {
	c := &Control{Addr: addr, HTTP: &http.Client{Timeout: 120 * time.Second}}
	var hello Hello
	if err := c.Do(http.MethodGet, "/hello", nil, &hello); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(hello.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("reading the hub's control token (run this on the hub's host as its user): %w", err)
	}
	c.Token = strings.TrimSpace(string(data))
	return c, nil
}

// Do sends one request with body encoded as JSON (nil: none) and decodes
// a JSON answer into out (nil: ignore it; *string: take the text).
func (c *Control) Do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://"+c.Addr+path, rd)
	if err != nil {
		return err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("control endpoint %s (is the hub running with 'control:' set?): %w", c.Addr, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the hub refused: %s", strings.TrimSpace(string(data)))
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *string:
		*o = string(data)
		return nil
	}
	return json.Unmarshal(data, out)
}
