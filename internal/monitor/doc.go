// Package monitor owns the cloud's view from outside: it polls the SOA
// serial of every client zone at the client's primaries, the hub and every
// node (UDP and TCP, with NSID), tracks how far and how long each node lags
// and when it first served each serial, marks stuck nodes stale, takes in
// catchment probes and node announcement states, raises and clears alerts
// with hysteresis (sent to the log and a webhook), keeps per-client traffic
// history scraped from the nodes' /metrics, and serves the dashboard, its
// JSON API and its own /metrics.
//
// It only reads, over the network or through the small inputs it exports
// (SetNodeState; Report and SetOnboarding, through which the hub that
// embeds it pushes its alerts and onboarding steps; probes posted to its
// API). It must never change a zone, a node or the hub, and never import
// their internals: the hub embeds it, not the other way round.
package monitor
