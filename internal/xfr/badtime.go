package xfr

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// A TSIG signature is valid for its fudge (300 s as sent by anycloud,
// Knot, NSD and BIND) around the time it was signed; past that the
// receiver answers BADTIME. Saying by how much and which side is ahead
// turns "BADTIME" into an operator's next step.

// serverSkew reads the server's clock from a BADTIME answer: RFC 8945
// 5.2.3 puts the server's current time in Other Data (6 bytes).
func serverSkew(t *dns.TSIG, now time.Time) time.Duration {
	other, err := hex.DecodeString(t.OtherData)
	if err != nil || len(other) != 6 {
		return 0
	}
	var secs int64
	for _, b := range other {
		secs = secs<<8 | int64(b)
	}
	return time.Unix(secs, 0).Sub(now.Truncate(time.Second))
}

// signedSkew is how far the time an answer was signed is from our clock.
func signedSkew(t *dns.TSIG, now time.Time) time.Duration {
	return time.Unix(int64(t.TimeSigned), 0).Sub(now.Truncate(time.Second))
}

func (e *TSIGError) skewText() string {
	switch {
	case e.Skew > 0:
		return fmt.Sprintf("the server's clock is %v ahead of ours, beyond the TSIG fudge of 300 s", e.Skew)
	case e.Skew < 0:
		return fmt.Sprintf("the server's clock is %v behind ours, beyond the TSIG fudge of 300 s", -e.Skew)
	}
	return "the clocks differ by more than the TSIG fudge of 300 s"
}
