package control

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"anycloud/internal/bearer"
)

// DefaultAddr is where a hub's control API listens unless its
// configuration says otherwise; the CLI tries it when it finds no
// configuration file.
const DefaultAddr = "127.0.0.1:8953"

// Client is an authenticated client of a hub's control API.
type Client struct {
	Addr  string
	Token string
	HTTP  *http.Client
}

// Dial returns a client of the hub at addr that authenticates with
// the token in tokenFile. The path comes from the caller's configuration
// (TokenFile) or flags, never from the server; the file must belong to
// root, the caller or the service user and be closed to group and others
// (bearer.ReadFile). Nothing is sent before the token is read, and
// nothing to a port another local user holds (bearer.CheckListener).
func Dial(addr, tokenFile string) (*Client, error) {
	tok, owner, err := bearer.ReadFileOwner(tokenFile)
	if err != nil {
		return nil, fmt.Errorf("the hub's control token (run this on the hub's host as root or its user, or give --token-file): %w", err)
	}
	// Each connection is checked to go to a listener of root, the token's
	// owner or the service user before the token is sent on it.
	return &Client{Addr: addr, Token: tok, HTTP: bearer.Client(owner, 120*time.Second)}, nil
}

// Do sends one request with body encoded as JSON (nil: none) and decodes
// a JSON answer into out (nil: ignore it; *string: take the text).
func (c *Client) Do(method, path string, body, out any) error {
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
		bearer.Set(req, c.Token)
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
