package hub

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ControlRequest sends one operator request to a running hub's control
// endpoint at addr: "status", "reload", or "retransfer" with zone and
// acceptOlder. It returns the hub's answer text.
func ControlRequest(addr, what, zone string, acceptOlder bool) (string, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	base := "http://" + addr
	var resp *http.Response
	var err error
	switch what {
	case "status":
		resp, err = c.Get(base + "/status")
	case "reload":
		resp, err = c.Post(base+"/reload", "text/plain", nil)
	case "retransfer":
		q := url.Values{"zone": {zone}}
		if acceptOlder {
			q.Set("accept-older", "1")
		}
		resp, err = c.Post(base+"/retransfer?"+q.Encode(), "text/plain", nil)
	default:
		return "", fmt.Errorf("unknown control request %q", what)
	}
	if err != nil {
		return "", fmt.Errorf("control endpoint %s (is the hub running with 'control:' set?): %w", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the hub refused: %s", strings.TrimSpace(string(body)))
	}
	return string(body), nil
}
