package xfr

import (
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	serving "anycloud/internal/zone"
)

// TestStreamBuild: the snapshot built while an AXFR streams in is the one a
// build of the finished version gives, or fails the way that build does.
func TestStreamBuild(t *testing.T) {
	ns := "example. 60 NS ns.example."
	glue := "ns.example. 60 A 192.0.2.1"
	tests := []struct {
		name     string
		messages []string
		wantErr  bool
	}{
		{"one message", []string{soa("5") + "\n" + ns + "\n" + glue + "\n" + soa("5")}, false},
		{"three messages", []string{soa("5") + "\n" + ns, glue + "\nd.example. 60 NS ns.d.example.\nns.d.example. 60 A 192.0.2.9", soa("5")}, false},
		{"CNAME and other data", []string{soa("5") + "\n" + ns + "\n" + glue, "c.example. 60 CNAME x.example.\nc.example. 60 A 192.0.2.3\n" + soa("5")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{origin: "example.", qtype: dns.TypeAXFR, build: startStreamBuild("example.")}
			for _, m := range tt.messages {
				first := len(s.rrs) == 0
				if err := s.add(rrs(t, m)); err != nil {
					t.Fatal(err)
				}
				s.build.add(rrs(t, m), first)
			}
			r, err := s.result()
			if err != nil {
				t.Fatal(err)
			}
			streamed, streamErr := r.Version.Snapshot(nil, nil)
			built, buildErr := serving.Build("example.", r.Version.RRs)
			if (streamErr != nil) != tt.wantErr || (buildErr != nil) != tt.wantErr {
				t.Fatalf("streamed error %v, build error %v, want an error: %v", streamErr, buildErr, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got, want := recordTexts(streamed), recordTexts(built); got != want {
				t.Errorf("streamed:\n%s\nbuilt:\n%s", got, want)
			}
		})
	}
}

// TestStreamBuildAbort: a transfer that fails leaves no build behind.
func TestStreamBuildAbort(t *testing.T) {
	sb := startStreamBuild("example.")
	sb.add(rrs(t, soa("5")+"\nexample. 60 NS ns.example."), true)
	sb.abort()
	if sb.z != nil {
		t.Error("an aborted build produced a snapshot")
	}
}

func recordTexts(z *serving.Zone) string {
	var out []string
	for _, rr := range z.Records() {
		out = append(out, rr.String())
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
