package docgen

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"anycloud/internal/metrics"
)

// metricDoc is one metric as the reference lists it.
type metricDoc struct {
	Name   string
	Type   string // counter, gauge, histogram, summary
	Help   string
	Labels []string
}

// metricGroups returns the node's, the hub's and the monitor's metrics, each
// in the order its collector describes them.
func metricGroups() (map[string][]metricDoc, error) {
	out := map[string][]metricDoc{}
	var err error
	if out["node"], err = constCollectorDocs(metrics.NewNodeCollector(sampleNodeSources())); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if out["hub"], err = hubDocs(); err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	hubZones, err := constCollectorDocs(metrics.NewZoneCollector(sampleNodeSources().Zones))
	if err != nil {
		return nil, fmt.Errorf("hub zones: %w", err)
	}
	out["hub"] = append(out["hub"], hubZones...)
	sync := metrics.NewSyncCollector(sampleLag, func() map[string]int { return map[string]int{"node_stale": 1} })
	if out["monitor"], err = constCollectorDocs(sync); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	return out, nil
}

// constCollectorDocs describes c and learns each metric's type by
// collecting it once: a collector of const metrics states the type only
// when it makes a sample.
func constCollectorDocs(c prometheus.Collector) ([]metricDoc, error) {
	docs, err := describe(c)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return nil, err
	}
	fams, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	types := map[string]string{}
	for _, f := range fams {
		types[f.GetName()] = strings.ToLower(f.GetType().String())
	}
	for i := range docs {
		if docs[i].Type = types[docs[i].Name]; docs[i].Type == "" {
			return nil, fmt.Errorf("%s is described but the sample sources in internal/docgen/samples.go make no sample of it: give them a value for it", docs[i].Name)
		}
	}
	return docs, nil
}

// hubDocs reads the hub's metric vectors from the fields of metrics.Hub,
// whose Go types state the metric types.
func hubDocs() ([]metricDoc, error) {
	h := reflect.ValueOf(metrics.NewHub(prometheus.NewRegistry())).Elem()
	var out []metricDoc
	for i := 0; i < h.NumField(); i++ {
		c, ok := h.Field(i).Interface().(prometheus.Collector)
		if !ok {
			continue
		}
		docs, err := describe(c)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			d.Type = vectorType(h.Field(i).Interface())
			out = append(out, d)
		}
	}
	return out, nil
}

func vectorType(v any) string {
	// Gauge first: a Gauge has Inc and Add, so it is a Counter too.
	switch v.(type) {
	case *prometheus.GaugeVec, prometheus.Gauge:
		return "gauge"
	case *prometheus.CounterVec, prometheus.Counter:
		return "counter"
	case *prometheus.HistogramVec, prometheus.Histogram:
		return "histogram"
	case *prometheus.SummaryVec, prometheus.Summary:
		return "summary"
	}
	return "untyped"
}

// describe returns c's descriptors in the order it sends them.
func describe(c prometheus.Collector) ([]metricDoc, error) {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	var out []metricDoc
	var firstErr error
	for d := range ch {
		m, err := parseDesc(d.String())
		if err != nil && firstErr == nil {
			firstErr = err
		}
		out = append(out, m)
	}
	return out, firstErr
}

// descString matches prometheus.Desc.String(), the only way the library
// shows a descriptor's name, help and labels.
var descString = regexp.MustCompile(`^Desc\{fqName: ("(?:[^"\\]|\\.)*"), help: ("(?:[^"\\]|\\.)*"), .*variableLabels: \{([^}]*)\}\}$`)

func parseDesc(s string) (metricDoc, error) {
	m := descString.FindStringSubmatch(s)
	if m == nil {
		return metricDoc{}, fmt.Errorf("unexpected descriptor %s", s)
	}
	name, err := strconv.Unquote(m[1])
	if err != nil {
		return metricDoc{}, err
	}
	help, err := strconv.Unquote(m[2])
	if err != nil {
		return metricDoc{}, err
	}
	var labels []string
	if m[3] != "" {
		for _, l := range strings.Split(m[3], ",") {
			labels = append(labels, strings.TrimSuffix(strings.TrimPrefix(l, "c("), ")"))
		}
	}
	return metricDoc{Name: name, Help: help, Labels: labels}, nil
}
