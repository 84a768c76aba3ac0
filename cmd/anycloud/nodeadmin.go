package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"anycloud/internal/admin"
	"anycloud/internal/adminstate"
	"anycloud/internal/control"
	"anycloud/internal/hub"
	"anycloud/internal/node"
	"anycloud/internal/onboard"
)

// runNodeAdmin handles the node commands run at the hub: add, list,
// remove NAME, and disable|enable|drain NAME. `node drain` without a NAME is the node's own
// drain (runNodeControl).
func runNodeAdmin(what string, args []string) error {
	switch what {
	case "add":
		return runNodeAdd(args)
	case "list":
		return runNodeState("list", "", args)
	case "remove":
		return runNodeRemove(args)
	}
	state := map[string]string{"disable": adminstate.NodeDisabled, "enable": adminstate.NodeEnabled, "drain": adminstate.NodeDrained}[what]
	return runNodeState(what, state, args)
}

func splitName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// isHubNodeCommand tells `node drain NAME` (at the hub) from `node drain`
// (the local node).
func isHubNodeCommand(args []string) bool {
	switch args[0] {
	case "add", "list", "disable", "enable", "remove":
		return true
	case "drain":
		name, _ := splitName(args[1:])
		return name != ""
	}
	return false
}

// runNodeState is `node list` (state "") and `node disable|enable|drain
// NAME`: the last prints the nodes as changed.
func runNodeState(what, state string, args []string) error {
	synopsis := "NAME [--json]"
	if state == "" {
		synopsis = "[--json]"
	}
	fs := newFlagSet("node "+what, synopsis, "anycloud node "+what+map[bool]string{true: "", false: " node-bogota"}[state == ""])
	hf := addHubFlags(fs)
	asJSON := fs.Bool("json", false, "machine-readable output")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	if (state == "") != (len(words) == 0) || len(words) > 1 {
		fs.Usage()
		return errUsage
	}
	name := ""
	if state != "" {
		name = words[0]
	}
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var nodes []hub.NodeInfo
	if state == "" {
		err = ctl.Do(http.MethodGet, "/onboard/nodes", nil, &nodes)
	} else {
		err = ctl.Do(http.MethodPost, "/onboard/node-state", control.NodeStateRequest{Name: name, State: state}, &nodes)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		printJSON(nodes)
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tADDRESS\tSTATE\tSITE")
	for _, n := range nodes {
		site := "-"
		if n.Site != nil {
			site = fmt.Sprintf("%s, %s (AS%d)", n.Site.City, n.Site.Country, n.Site.ASN)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Name, n.Address, n.State, site)
	}
	tw.Flush()
	if state != "" {
		fmt.Printf("%s is now %s at the hub; the node follows within about a second\n", name, state)
	}
	return nil
}

func runNodeAdd(args []string) error {
	fs := newFlagSet("node add", "NAME --city CITY --country CC --lat LAT --lon LON --unicast ADDR[,ADDR] --asn N --peer ADDR,AS [--peer ...] [--operator PREFIX,...] [--prefix PREFIX,...] [--out DIR] [--json]",
		"anycloud node add node-bogota --city Bogotá --country CO --lat 4.71 --lon -74.07 --unicast 203.0.113.10 --asn 64500 --peer 203.0.113.9,64506")
	hf := addHubFlags(fs)
	city := fs.String("city", "", "the node's city")
	country := fs.String("country", "", "the node's country (ISO 3166 code)")
	lat := fs.Float64("lat", 0, "latitude, for the dashboard's map")
	lon := fs.Float64("lon", 0, "longitude")
	unicast := fs.String("unicast", "", "the host's own addresses, comma-separated; the first receives NOTIFY")
	asn := fs.Uint("asn", 0, "the AS the node announces the service from")
	var peers peerList
	fs.Var(&peers, "peer", "BGP neighbour as ADDR,AS (repeat for several)")
	operators := fs.String("operator", "", "prefixes allowed to reach SSH and metrics, comma-separated")
	announce := fs.String("prefix", "", "prefixes the node announces, comma-separated (default: the /24 or /48 holding each service address)")
	out := fs.String("out", "", "directory for node.yaml, the key and nftables.conf (default ./NAME)")
	storage := fs.String("storage", "/var/lib/anycloud/node", "the node's storage directory on its host")
	asJSON := fs.Bool("json", false, "machine-readable output: the files written and the node as the hub lists it")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	if len(words) != 1 {
		fs.Usage()
		return errUsage
	}
	name := words[0]
	site, err := nodeSite(name, *city, *country, *lat, *lon, *unicast, uint32(*asn), peers, *operators, *storage)
	if err != nil {
		fs.Usage()
		return err
	}
	for _, p := range splitList(*announce) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("--prefix %q is not a prefix such as 198.51.100.0/24", p)
		}
		site.Prefixes = append(site.Prefixes, pfx.Masked())
	}
	dir := *out
	if dir == "" {
		dir = name
	}
	res, err := addNode(hf, site, dir)
	if err != nil {
		return err
	}
	if *asJSON {
		printJSON(res)
		return nil
	}
	fmt.Printf("node %s registered at the hub; copy %s to the host:\n  %s\n", site.Name, dir, strings.Join(res.Files, "\n  "))
	fmt.Println("then on the host: nft -f nftables.conf && anycloud node --config node.yaml")
	return nil
}

// nodeAddResult is what `node add --json` prints: never the secret.
type nodeAddResult struct {
	Name  string         `json:"name"`
	Files []string       `json:"files"`
	Nodes []hub.NodeInfo `json:"nodes"`
}

// peerList collects --peer ADDR,AS flags.
type peerList []onboard.Peer

func (p *peerList) String() string { return fmt.Sprint(*p) }

func (p *peerList) Set(s string) error {
	addr, as, ok := strings.Cut(s, ",")
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	n, err2 := strconv.ParseUint(strings.TrimSpace(as), 10, 32)
	if !ok || err != nil || err2 != nil {
		return fmt.Errorf("--peer %q: want ADDR,AS such as 203.0.113.9,64506", s)
	}
	*p = append(*p, onboard.Peer{Addr: a, AS: uint32(n)})
	return nil
}

func nodeSite(name, city, country string, lat, lon float64, unicast string, asn uint32, peers []onboard.Peer, operators, storage string) (onboard.NodeSetup, error) {
	s := onboard.NodeSetup{Name: name, City: city, Country: country, Lat: lat, Lon: lon, ASN: asn, Peers: peers, Storage: storage,
		KeyName: name + "-xfr.", KeyFile: name + "-xfr.key"}
	for _, u := range splitList(unicast) {
		a, err := netip.ParseAddr(u)
		if err != nil {
			return s, fmt.Errorf("--unicast %q is not an IP address", u)
		}
		s.Unicast = append(s.Unicast, a)
	}
	for _, o := range splitList(operators) {
		p, err := netip.ParsePrefix(o)
		if err != nil {
			return s, fmt.Errorf("--operator %q is not a prefix such as 192.0.2.0/24", o)
		}
		s.Operators = append(s.Operators, p)
	}
	if name == "" || city == "" || country == "" || len(s.Unicast) == 0 || asn == 0 || len(peers) == 0 {
		return s, fmt.Errorf("node add needs NAME, --city, --country, --unicast, --asn and at least one --peer")
	}
	return s, nil
}

// addNode writes the node's files, checks the configuration with the
// node's own reader, then registers the node at the hub; if the hub
// refuses, the files are removed again.
func addNode(hf hubFlags, site onboard.NodeSetup, dir string) (*nodeAddResult, error) {
	if _, err := os.Stat(filepath.Join(dir, "node.yaml")); err == nil {
		return nil, fmt.Errorf("%s already holds a node configuration; choose another --out", dir)
	}
	ctl, err := hf.dial()
	if err != nil {
		return nil, err
	}
	var settings control.Settings
	if err := ctl.Do(http.MethodGet, "/onboard/settings", nil, &settings); err != nil {
		return nil, err
	}
	if err := site.FromSettings(settings.Service, settings.HubAddresses, settings.Catalog); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	key := base64.StdEncoding.EncodeToString(secret)
	files, err := writeNodeFiles(site, dir, key)
	if err != nil {
		return nil, err
	}
	req := admin.AddNodeRequest{Name: site.Name, Address: netip.AddrPortFrom(site.Unicast[0], 53).String(),
		Key: admin.KeyJSON{Name: site.KeyName, Algorithm: "hmac-sha256", Secret: key}, Site: site.Site()}
	res := &nodeAddResult{Name: site.Name, Files: files}
	if err := ctl.Do(http.MethodPost, "/onboard/nodes", req, &res.Nodes); err != nil {
		for _, f := range files {
			os.Remove(f)
		}
		return nil, err
	}
	return res, nil
}

func writeNodeFiles(site onboard.NodeSetup, dir, secret string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	files := []struct {
		name, text string
		mode       os.FileMode
	}{{site.KeyFile, secret + "\n", 0o600}, {"node.yaml", site.NodeYAML(), 0o644}, {"nftables.conf", site.Firewall(), 0o644}}
	var written []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte(f.text), f.mode); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	if _, err := node.LoadConfig(filepath.Join(dir, "node.yaml")); err != nil {
		for _, f := range written {
			os.Remove(f)
		}
		return nil, fmt.Errorf("the generated node configuration does not load: %w", err)
	}
	return written, nil
}

// runNodeRemove is `node remove NAME`: the hub deletes the node's key (its
// transfers are refused from then on), drops it from the node list and
// the monitor stops expecting it.
func runNodeRemove(args []string) error {
	fs := newFlagSet("node remove", "NAME [--json]", "anycloud node remove node-bogota")
	hf := addHubFlags(fs)
	asJSON := fs.Bool("json", false, "machine-readable output: the nodes left")
	words, err := parseWords(fs, args)
	if err != nil {
		return err
	}
	if len(words) != 1 {
		fs.Usage()
		return errUsage
	}
	ctl, err := hf.dial()
	if err != nil {
		return err
	}
	var nodes []hub.NodeInfo
	if err := ctl.Do(http.MethodPost, "/onboard/node-remove", control.RemoveNodeRequest{Name: words[0]}, &nodes); err != nil {
		return err
	}
	if *asJSON {
		printJSON(nodes)
		return nil
	}
	fmt.Printf("node %s removed: its key is revoked at the hub, which refuses its transfers; %d node(s) left\n", words[0], len(nodes))
	fmt.Println("on its host: stop the node (systemctl stop anycloud-node) and delete its key file")
	return nil
}
