// Package httpserve owns the limits every anycloud HTTP server runs with
// (the hub's control API, the node's control and metrics endpoints, the
// monitor's dashboard and API): time to send the headers, the whole
// request and the answer, idle keep-alive time, and header bytes. Without
// them one client that sends its headers a byte a second (slowloris)
// holds a connection and a goroutine forever, and a thousand of them
// exhaust the process's file descriptors.
package httpserve

import (
	"net/http"
	"time"
)

// The limits. WriteTimeout is per server: it must outlast the slowest
// answer (a node's drain waits drain-wait, a hub's retransfer a transfer).
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	IdleTimeout       = 60 * time.Second
	MaxHeaderBytes    = 16 << 10
)

// New returns a server for handler with the limits above and writeTimeout
// (0: one minute) for the answer.
func New(handler http.Handler, writeTimeout time.Duration) *http.Server {
	if writeTimeout <= 0 {
		writeTimeout = time.Minute
	}
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
