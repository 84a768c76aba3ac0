package adminstate

// NodeSite is what the hub records about an administered node when it is
// added: where it is (for status and the dashboard's map) and where the
// monitor and the onboarding checks reach it. It is the JSON of the hub's
// node-sites file and of the control API's node add and node list.
//
// It is not onboard.NodeSetup, which is everything needed to generate the
// node host's own configuration (peers, keys, storage) and is never sent
// to the hub; NodeSetup.Site derives this record from it.
type NodeSite struct {
	City    string   `json:"city,omitempty"`
	Country string   `json:"country,omitempty"`
	Lat     float64  `json:"lat,omitempty"`
	Lon     float64  `json:"lon,omitempty"`
	ASN     uint32   `json:"asn,omitempty"`
	Unicast []string `json:"unicast,omitempty"` // ADDR:53 of each of the host's addresses
	Metrics string   `json:"metrics,omitempty"` // ADDR:PORT serving the node's /metrics and /status
}
