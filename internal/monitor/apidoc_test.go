package monitor

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestAPIDocumented: every field of the JSON API (api.go and the traffic
// and onboarding types) is named in docs/api.md, so the document cannot
// fall behind the code that `anycloud status` and the dashboard read.
func TestAPIDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	types := []any{Status{}, ZoneStatus{}, ServerStatus{}, ProbeResult{}, Served{}, NodeStatus{},
		VantageStatus{}, AlertsStatus{}, Alert{}, ProbeReport{}, ZoneTraffic{}, TrafficRow{}, Step{}, ZoneCheck{}}
	for _, v := range types {
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(string(doc), `"`+name+`"`) && !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/api.md does not name %s.%s (json %q)", rt.Name(), rt.Field(i).Name, name)
			}
		}
	}
}
