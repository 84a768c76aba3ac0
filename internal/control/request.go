package control

import (
	"fmt"
	"net/http"
	"net/url"
)

// Request sends one operator request to a running hub's control
// endpoint at addr with the token in tokenFile: "status", "reload", or
// "retransfer" with zone and acceptOlder. It returns the hub's answer text.
func Request(addr, tokenFile, what, zone string, acceptOlder bool) (string, error) {
	c, err := Dial(addr, tokenFile)
	if err != nil {
		return "", err
	}
	var out string
	switch what {
	case "status":
		err = c.Do(http.MethodGet, "/status", nil, &out)
	case "reload":
		err = c.Do(http.MethodPost, "/reload", nil, &out)
	case "retransfer":
		q := url.Values{"zone": {zone}}
		if acceptOlder {
			q.Set("accept-older", "1")
		}
		err = c.Do(http.MethodPost, "/retransfer?"+q.Encode(), nil, &out)
	default:
		return "", fmt.Errorf("unknown control request %q", what)
	}
	return out, err
}
