package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// FetchStatus reads GET /api/v1/status from a monitor (or a hub embedding one).
func FetchStatus(ctx context.Context, baseURL string) (Status, error) {
	var st Status
	url := strings.TrimSuffix(baseURL, "/") + "/api/v1/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return st, err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return st, fmt.Errorf("reaching the monitor: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("decoding %s: %w", url, err)
	}
	return st, nil
}

// WriteStatusTable prints st as terminal tables: nodes, serials, catchments
// and active alerts.
func WriteStatusTable(w io.Writer, st Status) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tCITY\tSTATE\tWHY")
	for _, n := range st.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Name, n.City, n.State, joinNonEmpty(n.Reason, staleList(n.StaleZones)))
	}
	fmt.Fprintln(tw)
	writeMatrix(tw, st)
	if len(st.Vantages) > 0 {
		fmt.Fprintln(tw, "\nVANTAGE\tANSWERED BY\tRTT\tSEEN")
		for _, v := range st.Vantages {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Name, dash(v.Node), vantageRTT(v), seen(v.Seen))
		}
	}
	fmt.Fprintf(tw, "\nALERTS (%d firing)\n", len(st.Alerts.Active))
	for _, a := range st.Alerts.Active {
		fmt.Fprintf(tw, "%s\t%s\t%s\tsince %s\n", a.Severity, a.ID, a.Message, a.Since.Format(time.RFC3339))
	}
	return tw.Flush()
}

func writeMatrix(tw io.Writer, st Status) {
	header := []string{"ZONE", "PRIMARY"}
	hasHub := len(st.Zones) > 0 && st.Zones[0].Hub != nil
	if hasHub {
		header = append(header, "HUB")
	}
	for _, n := range st.Nodes {
		header = append(header, strings.ToUpper(n.Name))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, z := range st.Zones {
		row := []string{z.Zone, cell(z.Primary)}
		if hasHub && z.Hub != nil {
			row = append(row, cell(*z.Hub))
		}
		for _, s := range z.Nodes {
			row = append(row, cell(s))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
}

// cell is "serial" in sync, "serial -N/Ts state" otherwise.
func cell(s ServerStatus) string {
	serial := "-"
	if s.Serial != nil {
		serial = fmt.Sprint(*s.Serial)
	}
	if s.Sync == "in-sync" {
		return serial
	}
	if s.LagSerials > 0 {
		return fmt.Sprintf("%s -%d/%s %s", serial, s.LagSerials, roundDuration(s.LagSeconds), s.Sync)
	}
	return serial + " " + s.Sync
}

func staleList(zones []string) string {
	if len(zones) == 0 {
		return ""
	}
	return "stale: " + strings.Join(zones, " ")
}

func vantageRTT(v VantageStatus) string {
	for _, r := range v.Results {
		if r.Error == "" {
			return fmt.Sprintf("%.1f ms", r.RTTms)
		}
	}
	return "-"
}

func seen(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
