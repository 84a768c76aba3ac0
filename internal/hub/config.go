package hub

import (
	"time"

	"anycloud/internal/store"
	"anycloud/internal/tcpslots"
	"anycloud/internal/xfr"
	"anycloud/internal/yamlconf"
)

// File is the hub configuration as written in YAML. Unknown keys are errors.
type File struct {
	Listen   []string     `yaml:"listen"`  // "ADDR:PORT" where nodes transfer and primaries send NOTIFY, UDP and TCP
	Control  string       `yaml:"control"` // loopback HTTP address of the control API (hub status|reload|retransfer, client, node add)
	Storage  string       `yaml:"storage"` // directory of accepted versions, journals, rejected versions and the control token
	Catalog  string       `yaml:"catalog"` // name of the catalog zone (RFC 9432) listing every client zone for the nodes
	Gate     GateFile     `yaml:"gate"`
	Timeouts TimeoutsFile `yaml:"timeouts"`
	Clients  []ClientFile `yaml:"clients"`
	Nodes    []NodeFile   `yaml:"nodes"`
	Monitor  *MonitorFile `yaml:"monitor"`
	// Onboarding is what `anycloud client` checks compare against.
	Onboarding OnboardingFile `yaml:"onboarding"`
	// Replication shares the administered state with other hubs
	// (replication_config.go); absent, this hub is alone.
	Replication *ReplicationFile `yaml:"replication"`

	// Limits bound one transfer from a primary, the checks NOTIFYs
	// trigger, the rejected copies kept and the size of each client's
	// zones (limits_config.go).
	Limits LimitsFile `yaml:"limits"`
	// TCP bounds the DNS listener's TCP connections (defaults: 500 in all,
	// 50 per /24 or /56, 10s idle; the configured nodes' addresses are not
	// held to the per-prefix share, and a transfer being sent is activity).
	// Read at start.
	TCP tcpslots.File `yaml:"tcp"`
}

// GateFile tunes the acceptance gate.
type GateFile struct {
	// MaxShrink is the largest fraction of records a new version may lose.
	MaxShrink *float64 `yaml:"max-shrink"`
	// EngineCheck builds each version with the serving engine before
	// accepting it (default true); it costs about one node build.
	EngineCheck *bool `yaml:"engine-check"`
}

// TimeoutsFile bounds network operations and SOA timers.
type TimeoutsFile struct {
	Transfer   string `yaml:"transfer"`    // per network operation, e.g. "10s"
	MinRefresh string `yaml:"min-refresh"` // lower bound on SOA refresh/retry
	MaxRefresh string `yaml:"max-refresh"` // upper bound on SOA refresh/retry
}

// ClientFile is one client organisation: its zones, its primaries and the
// key the hub transfers with.
type ClientFile struct {
	Name      string      `yaml:"name"`      // the organisation, shown in status and on the dashboard
	Zones     []string    `yaml:"zones"`     // the zones the hub transfers from its primaries
	Primaries []string    `yaml:"primaries"` // "ADDR" or "ADDR:PORT", tried in this order
	TSIG      xfr.KeySpec `yaml:"tsig"`      // the key transfers and NOTIFY are signed with
	// Limits replace, for this client, the hub's limits on the size of its
	// zones (limits_config.go).
	Limits ClientLimitsFile `yaml:"limits,omitempty"`
}

// NodeFile is one node: where NOTIFY goes and the key it transfers with.
type NodeFile struct {
	Name    string      `yaml:"name"`    // the node's name, as its NSID says
	Address string      `yaml:"address"` // "ADDR:PORT" the hub sends NOTIFY to
	TSIG    xfr.KeySpec `yaml:"tsig"`    // the only key the hub serves this node's transfers with
}

// Config is a validated configuration, keys loaded.
type Config struct {
	Path        string
	Listen      []string
	Control     string
	Storage     string
	Catalog     string
	MaxShrink   float64
	EngineCheck bool
	Timeout     time.Duration
	MinRefresh  time.Duration
	MaxRefresh  time.Duration
	Limits      xfr.Limits // transfers from primaries
	// MinNotifyInterval holds NOTIFY-triggered checks of a zone to one
	// per interval; Rejected bounds the rejected copies kept per zone.
	MinNotifyInterval time.Duration
	TCP               tcpslots.Limits
	Rejected          store.RejectedLimits
	Size              SizeLimits // hub-wide; each Client has its own
	Clients           []Client
	Nodes             []Node
	Monitor           *MonitorConfig // nil: no monitor in the hub process
	Onboarding        OnboardingConfig
	Replication       *ReplicationConfig // nil: a single hub
	// clientsIndex is the log index of the last replicated change of the
	// administered client list this configuration holds, when known
	// (read with the replica running): the catalog serial (catalog.go).
	clientsIndex      uint64
	clientsIndexKnown bool
	// floor is the catalog serial of the backup this state was restored
	// from, written at log index floorIndex (catalog.go).
	floor      uint32
	floorKnown bool
	floorIndex uint64
}

// Client is a validated client.
type Client struct {
	Name      string
	Zones     []string // canonical FQDNs
	Primaries []string // host:port
	Key       *xfr.Key
	Size      SizeLimits // the hub's limits with the client's own over them
}

// Node is a validated node.
type Node struct {
	Name    string
	Address string // host:port
	Key     *xfr.Key
}

// LoadConfig reads and validates the configuration at path.
func LoadConfig(path string) (*Config, error) {
	cfg, err := yamlconf.Load(path, ParseConfig)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// ParseConfig decodes data strictly and validates it; secret files are
// resolved against baseDir.
func ParseConfig(data []byte, baseDir string) (*Config, error) {
	return parseConfig(data, baseDir, "")
}

// parseConfig is ParseConfig with the administered files read from
// adminRoot ("": the admin directory of the configuration's storage).
func parseConfig(data []byte, baseDir, adminRoot string) (*Config, error) {
	var f File
	if err := yamlconf.Decode(data, &f); err != nil {
		return nil, err
	}
	// Clients and nodes added with `anycloud client add` / `node add`
	// live in the storage directory and are validated with the rest.
	if adminRoot == "" && f.Storage != "" {
		adminRoot = AdminPath(f.Storage)
	}
	if adminRoot != "" {
		if err := f.mergeAdministeredFrom(adminRoot); err != nil {
			return nil, err
		}
	}
	return f.validate(baseDir)
}
