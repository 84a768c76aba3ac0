package main

import (
	"context"
	"encoding/json"
	"os"

	"anycloud/internal/monitor"
)

func init() {
	register(command{name: "status", summary: "show the monitor's view: nodes, serials, catchments, alerts", run: runStatus})
}

func runStatus(ctx context.Context, args []string) error {
	fs := newFlagSet("status", "[--url URL] [--json]", "anycloud status --url http://127.0.0.1:8053")
	url := fs.String("url", "http://127.0.0.1:8053", "the monitor's (or hub's) dashboard address")
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := monitor.FetchStatus(ctx, *url)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return monitor.WriteStatusTable(os.Stdout, st)
}
