package hub

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/miekg/dns"

	"anycloud/internal/xfr"
)

func TestFailureReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("transfer: %w", &xfr.TSIGError{Server: "p", Key: "k.", Code: dns.RcodeBadSig}), "tsig"},
		{dns.ErrSig, "tsig"},
		{&xfr.RcodeError{Server: "p", Rcode: dns.RcodeRefused}, "refused"},
		{&xfr.RcodeError{Server: "p", Rcode: dns.RcodeNotAuth}, "notauth"},
		{&xfr.CutError{Server: "p", Records: 3, Err: errors.New("EOF")}, "cut"},
		{fmt.Errorf("no answer: %w", os.ErrDeadlineExceeded), "timeout"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, "network"},
		{errors.New("answer does not start with the zone's SOA"), "other"},
	} {
		if got := failureReason(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}
