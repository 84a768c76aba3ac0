package monitor

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/miekg/dns"

	"anycloud/internal/bearer"
	"anycloud/internal/metrics"
	"anycloud/internal/web"
)

// Handler serves the dashboard at /, the JSON API under /api/v1/ and the
// Prometheus metrics at /metrics.
func (m *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", web.Handler())
	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, m.Snapshot()) })
	mux.HandleFunc("GET /api/v1/traffic", m.serveTrafficSummary)
	mux.HandleFunc("GET /api/v1/traffic/{zone}", m.serveZoneTraffic)
	mux.HandleFunc("POST /api/v1/probes", m.serveProbeReport)
	mux.Handle("GET /metrics", metrics.Handler(m.registry))
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (m *Monitor) serveTrafficSummary(w http.ResponseWriter, r *http.Request) {
	cfg := m.config()
	zones := make([]string, len(cfg.Zones))
	for i, z := range cfg.Zones {
		zones[i] = z.Zone
	}
	sum, err := m.traffic.summary(zones, m.now())
	if err != nil {
		http.Error(w, "traffic history: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"zones": sum})
}

// serveZoneTraffic is one client's history: ?period=hour|day, ?format=json|csv.
func (m *Monitor) serveZoneTraffic(w http.ResponseWriter, r *http.Request) {
	zone := dns.Fqdn(r.PathValue("zone"))
	if !m.monitors(zone) {
		http.Error(w, "unknown zone "+zone, http.StatusNotFound)
		return
	}
	period := r.URL.Query().Get("period")
	if period == "" {
		period = "hour"
	}
	if period != "hour" && period != "day" {
		http.Error(w, "period is hour or day", http.StatusBadRequest)
		return
	}
	rows, err := m.traffic.rows(zone, period)
	if err != nil {
		http.Error(w, "traffic history: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		writeTrafficCSV(w, zone, period, rows)
		return
	}
	writeJSON(w, map[string]any{"zone": zone, "period": period, "rows": rows})
}

func writeTrafficCSV(w http.ResponseWriter, zone, period string, rows []TrafficRow) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+zone+period+`.csv"`)
	cw := csv.NewWriter(w)
	keys := breakdownKeys(rows)
	cw.Write(append([]string{"zone", "period_start_utc", "node", "queries"}, keys...))
	for _, row := range rows {
		rec := []string{zone, row.Start.Format("2006-01-02T15:04:05Z"), row.Node, strconv.FormatUint(row.Queries, 10)}
		for _, k := range keys {
			rec = append(rec, strconv.FormatUint(row.By[k], 10))
		}
		cw.Write(rec)
	}
	cw.Flush()
}

// breakdownKeys are the CSV's extra columns: every breakdown any row has,
// sorted ("do", "edns", "family=ipv4", ..., "transport=udp").
func breakdownKeys(rows []TrafficRow) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r.By {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (m *Monitor) monitors(zone string) bool {
	for _, z := range m.config().Zones {
		if z.Zone == zone {
			return true
		}
	}
	return false
}

// serveProbeReport takes a vantage's report when it carries that
// vantage's token: an open endpoint would let anyone who reaches the
// dashboard forge catchment changes and their alerts. A browser's
// cross-site post is refused before anything else.
func (m *Monitor) serveProbeReport(w http.ResponseWriter, r *http.Request) {
	if bearer.CrossSite(r) {
		http.Error(w, "cross-site requests are refused", http.StatusForbidden)
		return
	}
	var rep ProbeReport
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&rep); err != nil {
		http.Error(w, "bad probe report: "+err.Error(), http.StatusBadRequest)
		return
	}
	if code, why := m.probeAuth(r, rep.Vantage); code != 0 {
		http.Error(w, why, code)
		return
	}
	if err := m.RecordProbe(rep); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// probeAuth checks a report's token against its vantage's: 0 when good,
// else the status and reason.
func (m *Monitor) probeAuth(r *http.Request, vantage string) (int, string) {
	for _, v := range m.config().Vantages {
		if v.Name != vantage {
			continue
		}
		if v.token == "" {
			return http.StatusForbidden, "vantage " + vantage + " has no token-file in the monitor's configuration: its reports are refused"
		}
		if !bearer.Matches(r, v.token) {
			return http.StatusUnauthorized, "probe reports need the vantage's token (anycloud probe --token-file)"
		}
		return 0, ""
	}
	return http.StatusNotFound, "unknown vantage " + strconv.Quote(vantage)
}
