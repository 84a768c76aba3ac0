package secondary

import (
	"testing"
	"time"
)

// A forced retransfer must not be lost behind a pending NOTIFY, and a
// NOTIFY must not replace a pending forced request.
func TestTriggerKeepsForcedRequests(t *testing.T) {
	tests := []struct {
		name  string
		order []Request
		want  Request
	}{
		{"notify then force", []Request{{}, {Forced: true, AcceptOlder: true}}, Request{Forced: true, AcceptOlder: true}},
		{"force then notify", []Request{{Forced: true}, {}}, Request{Forced: true}},
		{"two notifies", []Request{{}, {}}, Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := &Zone{}
			for _, r := range tt.order {
				z.trigger(r)
			}
			if got := <-z.wake; got != tt.want {
				t.Fatalf("pending %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClamp(t *testing.T) {
	z := &Zone{MinInterval: 5 * time.Second, MaxInterval: time.Hour}
	for in, want := range map[time.Duration]time.Duration{time.Second: 5 * time.Second, time.Minute: time.Minute, 48 * time.Hour: time.Hour} {
		if got := z.clamp(in); got != want {
			t.Errorf("clamp(%v) = %v, want %v", in, got, want)
		}
	}
}
