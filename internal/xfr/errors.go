package xfr

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// RcodeError is a response with an error RCODE.
type RcodeError struct {
	Server string
	Rcode  int
}

func (e *RcodeError) Error() string {
	name := dns.RcodeToString[e.Rcode]
	switch e.Rcode {
	case dns.RcodeRefused:
		return fmt.Sprintf("%s answered REFUSED: it does not allow this request (check its ACL for our address and TSIG key, and that it serves the zone)", e.Server)
	case dns.RcodeNotAuth:
		return fmt.Sprintf("%s answered NOTAUTH: it is not authoritative for the zone or rejected our TSIG key", e.Server)
	case dns.RcodeNotImplemented:
		return fmt.Sprintf("%s answered NOTIMP: it does not implement this request", e.Server)
	}
	return fmt.Sprintf("%s answered %s", e.Server, name)
}

// TSIGError is a TSIG failure, reported by the server in its answer or found
// while verifying the answer.
type TSIGError struct {
	Server string
	Key    string
	Code   uint16 // dns.RcodeBadSig, RcodeBadKey, RcodeBadTime, or 0 if unsigned
	local  bool   // found by us while verifying, not reported by the server
	// Skew is the server's clock minus ours, when BADTIME told it (the
	// server's time in the TSIG, RFC 8945 5.2.3); 0 when unknown.
	Skew time.Duration
}

func (e *TSIGError) Error() string {
	who := e.Server + " reports"
	if e.local {
		who = "answer from " + e.Server + " failed verification:"
	}
	switch e.Code {
	case dns.RcodeBadKey:
		return fmt.Sprintf("%s TSIG BADKEY: it does not know key %q with this algorithm (check the key name and algorithm on both sides)", who, e.Key)
	case dns.RcodeBadSig:
		return fmt.Sprintf("%s TSIG BADSIG: the signature with key %q does not verify (the secrets differ between the two sides)", who, e.Key)
	case dns.RcodeBadTime:
		return fmt.Sprintf("%s TSIG BADTIME: %s (check NTP on both sides)", who, e.skewText())
	case 0:
		return fmt.Sprintf("answer from %s is not TSIG-signed although we signed with key %q (the server does not have the key)", e.Server, e.Key)
	}
	return fmt.Sprintf("%s TSIG error %d with key %q", who, e.Code, e.Key)
}

// CutError is a transfer whose connection ended before the closing SOA.
type CutError struct {
	Server  string
	Records int
	Err     error
}

func (e *CutError) Error() string {
	return fmt.Sprintf("transfer from %s cut after %d records, before the closing SOA (truncated transfer discarded): %v", e.Server, e.Records, e.Err)
}

func (e *CutError) Unwrap() error { return e.Err }

// explainNet turns a network error into an operator sentence.
func explainNet(server string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s refused the connection (nothing listens there: server down or wrong port): %w", server, err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no answer from %s in time (server down, packets dropped, or wrong address): %w", server, err)
	}
	return fmt.Errorf("%s: %w", server, err)
}

// verifyError maps a miekg TSIG verification error to a TSIGError.
func verifyError(server string, k *Key, err error, t *dns.TSIG) error {
	switch {
	case errors.Is(err, dns.ErrSig):
		return &TSIGError{Server: server, Key: k.Name, Code: dns.RcodeBadSig, local: true}
	case errors.Is(err, dns.ErrTime):
		e := &TSIGError{Server: server, Key: k.Name, Code: dns.RcodeBadTime, local: true}
		if t != nil {
			e.Skew = signedSkew(t, time.Now())
		}
		return e
	case errors.Is(err, dns.ErrSecret), errors.Is(err, dns.ErrKeyAlg):
		return &TSIGError{Server: server, Key: k.Name, Code: dns.RcodeBadKey, local: true}
	case errors.Is(err, dns.ErrNoSig):
		return &TSIGError{Server: server, Key: k.Name}
	}
	return fmt.Errorf("TSIG verification of the answer from %s: %w", server, err)
}
