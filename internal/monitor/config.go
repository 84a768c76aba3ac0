package monitor

import (
	"net/url"
	"time"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// Config is the monitor's configuration; zero durations get defaults.
type Config struct {
	Listen        string        `yaml:"listen"`         // standalone HTTP address, default 127.0.0.1:8053
	Interval      time.Duration `yaml:"interval"`       // SOA polling period, default 5s
	Timeout       time.Duration `yaml:"timeout"`        // per query, default 2s
	StaleAfter    time.Duration `yaml:"stale-after"`    // behind longer than this is stale, default 5m
	ExpireWarning float64       `yaml:"expire-warning"` // alert when behind this fraction of SOA EXPIRE, default 0.5
	StatsInterval time.Duration `yaml:"stats-interval"` // node /metrics scraping period, default 60s
	StateFile     string        `yaml:"state-file"`     // traffic history kept here (bbolt database); empty: memory only
	Zones         []ZoneConfig  `yaml:"zones"`
	Hub           *Server       `yaml:"hub"`
	Nodes         []NodeConfig  `yaml:"nodes"`
	Vantages      []Vantage     `yaml:"vantages"`
	Alerts        AlertConfig   `yaml:"alerts"`
	// HubSerial, when set, gives the hub's serial of a zone directly: the
	// monitor embedded in the hub reads it instead of querying (the hub
	// answers only TSIG-signed SOA queries). Not from YAML.
	HubSerial func(zone string) (serial uint32, err error) `yaml:"-"`
}

// ZoneConfig is one client zone and its primaries ("ADDR" or "ADDR:PORT").
type ZoneConfig struct {
	Zone      string       `yaml:"zone"`      // the client zone, e.g. sv.
	Primaries []string     `yaml:"primaries"` // the client's primaries, asked for the zone's SOA
	TSIG      *xfr.KeySpec `yaml:"tsig"`      // signs the SOA queries to the primaries
	key       *xfr.Key
}

// Server is a name server the monitor queries.
type Server struct {
	Name      string       `yaml:"name"`      // shown on the dashboard, default "hub"
	Addresses []string     `yaml:"addresses"` // unicast, "ADDR" or "ADDR:PORT"
	TSIG      *xfr.KeySpec `yaml:"tsig"`      // the hub answers only signed SOA queries
	key       *xfr.Key
}

// NodeConfig is one node of the cloud.
type NodeConfig struct {
	Name       string       `yaml:"name"`        // the node's name, as its NSID says
	City       string       `yaml:"city"`        // shown on the dashboard
	Lat        float64      `yaml:"lat"`         // latitude on the map, degrees
	Lon        float64      `yaml:"lon"`         // longitude on the map, degrees
	Unicast    []string     `yaml:"unicast"`     // the node's own addresses ("ADDR" or "ADDR:PORT"), asked for every zone's SOA
	MetricsURL string       `yaml:"metrics-url"` // the node's /metrics, for traffic history
	StatusURL  string       `yaml:"status-url"`  // JSON with "state" (announced, withdrawn, drained) and "reason"
	TSIG       *xfr.KeySpec `yaml:"tsig"`        // signs the SOA queries to the node, if it wants them signed
	key        *xfr.Key
}

// Vantage is a place probes run from (a lab city or a probe host).
type Vantage struct {
	Name string  `yaml:"name"` // what `anycloud probe --vantage` reports as
	City string  `yaml:"city"` // shown on the dashboard
	Lat  float64 `yaml:"lat"`  // latitude on the map, degrees
	Lon  float64 `yaml:"lon"`  // longitude on the map, degrees
	// TokenFile holds this vantage's bearer token (one word, mode 0600,
	// relative to the configuration file): its probe sends it with
	// `anycloud probe --token-file`, and reports for the vantage without
	// it are refused, so nobody else can forge its catchment. Without a
	// token-file the vantage's reports are all refused.
	TokenFile string `yaml:"token-file"`
	token     string
}

// AlertConfig sets the hysteresis and the sinks.
type AlertConfig struct {
	RaiseAfter int           `yaml:"raise-after"` // consecutive bad rounds before firing, default 2
	ClearAfter int           `yaml:"clear-after"` // consecutive good rounds before resolving, default 3
	HoldEvent  time.Duration `yaml:"hold-event"`  // how long a one-off event (catchment change) stays active, default 10m
	History    int           `yaml:"history"`     // alerts kept for the dashboard, default 200
	// Grace is how long after start no condition counts toward an alert,
	// so a cloud started all at once (the lab) is not recorded as incidents.
	Grace   time.Duration `yaml:"grace"`
	Webhook *Webhook      `yaml:"webhook"`
}

// Webhook receives every alert change as a JSON POST.
type Webhook struct {
	URL     string        `yaml:"url"`     // receives each alert as a JSON POST
	Retries int           `yaml:"retries"` // after the first attempt, default 3
	Backoff time.Duration `yaml:"backoff"` // before the first retry, doubling, default 1s
	Timeout time.Duration `yaml:"timeout"` // per attempt, default 5s
}

// LoadConfig reads and checks a YAML configuration file; unknown keys are
// errors, and every problem is reported at once, each at its key.
func LoadConfig(path string) (Config, error) {
	return yamlconf.Load(path, parseConfig)
}

func parseConfig(data []byte, baseDir string) (Config, error) {
	var c Config
	return yamlconf.Parse(data, &c, func(p *yamlconf.Problems) Config {
		c.setDefaults()
		if len(c.Zones) == 0 {
			p.Add("zones", "no zones to monitor")
		}
		c.Check(p)
		c.CheckKeys(p, baseDir)
		return c
	})
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8053"
	}
	def(&c.Interval, 5*time.Second)
	def(&c.Timeout, 2*time.Second)
	def(&c.StaleAfter, 5*time.Minute)
	def(&c.StatsInterval, time.Minute)
	def(&c.Alerts.HoldEvent, 10*time.Minute)
	if c.ExpireWarning == 0 {
		c.ExpireWarning = 0.5
	}
	if c.Alerts.RaiseAfter == 0 {
		c.Alerts.RaiseAfter = 2
	}
	if c.Alerts.ClearAfter == 0 {
		c.Alerts.ClearAfter = 3
	}
	if c.Alerts.History == 0 {
		c.Alerts.History = 200
	}
	if w := c.Alerts.Webhook; w != nil {
		if w.Retries == 0 {
			w.Retries = 3
		}
		def(&w.Backoff, time.Second)
		def(&w.Timeout, 5*time.Second)
	}
	for i := range c.Zones {
		c.Zones[i].Zone = dns.Fqdn(c.Zones[i].Zone)
	}
}

// Validate reports every mistake in the configuration. No zones is valid
// here (a hub with no client yet); a standalone monitor's file must list
// some.
func (c *Config) Validate() error {
	var p yamlconf.Problems
	c.Check(&p)
	return p.Err()
}

// Check reports every mistake in the configuration through p, at the
// paths of its keys (the hub passes its monitor: section's view).
func (c *Config) Check(p *yamlconf.Problems) {
	// A negative period would panic the tickers (found by FuzzLoadConfig);
	// zero means the default.
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", c.Interval}, {"timeout", c.Timeout}, {"stale-after", c.StaleAfter}, {"stats-interval", c.StatsInterval}, {"alerts.hold-event", c.Alerts.HoldEvent}} {
		if d.v < 0 {
			p.Add(d.name, "%v is negative", d.v)
		}
	}
	seen := map[string]bool{}
	for i, z := range c.Zones {
		field := yamlconf.Index("zones", i)
		if p.DomainName(field+".zone", z.Zone) != "" && seen[z.Zone] {
			p.Add(field+".zone", "%q is listed twice", z.Zone)
		}
		seen[z.Zone] = true
		checkAddrs(p, field+".primaries", z.Primaries)
	}
	if c.Hub != nil {
		checkAddrs(p, "hub.addresses", c.Hub.Addresses)
	}
	c.checkNodes(p)
	if c.ExpireWarning < 0 || c.ExpireWarning > 1 {
		p.Add("expire-warning", "%v: want a fraction between 0 and 1", c.ExpireWarning)
	}
	if w := c.Alerts.Webhook; w != nil {
		if _, err := url.ParseRequestURI(w.URL); err != nil {
			p.Add("alerts.webhook.url", "%v", err)
		}
	}
}

func (c *Config) checkNodes(p *yamlconf.Problems) {
	names := map[string]bool{"primary": true, "hub": true}
	for i, n := range c.Nodes {
		field := yamlconf.Index("nodes", i)
		switch {
		case n.Name == "":
			p.Add(field+".name", "required")
		case n.Name == "primary" || n.Name == "hub":
			p.Add(field+".name", "%q is reserved: the dashboard's rows of primaries and hub have it", n.Name)
		case names[n.Name]:
			p.Add(field+".name", "%q is listed twice", n.Name)
		}
		names[n.Name] = true
		checkAddrs(p, field+".unicast", n.Unicast)
		for _, u := range []struct{ key, url string }{{"metrics-url", n.MetricsURL}, {"status-url", n.StatusURL}} {
			if _, err := url.ParseRequestURI(u.url); u.url != "" && err != nil {
				p.Add(field+"."+u.key, "%v", err)
			}
		}
	}
}

func checkAddrs(p *yamlconf.Problems, field string, addrs []string) {
	if len(addrs) == 0 {
		p.Add(field, "no addresses")
	}
	for i, a := range addrs {
		p.HostPort(yamlconf.Index(field, i), a, 53)
	}
}

// hostPort adds port 53 to a bare address; "" if a is not an address.
func hostPort(a string) string {
	s, _ := yamlconf.HostPort(a, 53)
	return s
}
