package testpeer

import (
	"fmt"
	"os/exec"
	"strconv"
)

// Edit is one step of a zone transaction: a record added, or (Unset) a
// record removed. Owner is relative to the origin ("@" for the apex) or
// absolute; Rdata is in zone-file form. An Unset with an empty Rdata
// removes every record of Type at Owner.
type Edit struct {
	Unset bool
	Owner string
	TTL   uint32 // 0: Knot's default for the zone
	Type  string
	Rdata string
}

// Set returns the edit that adds a record.
func Set(owner string, ttl uint32, rtype, rdata string) Edit {
	return Edit{Owner: owner, TTL: ttl, Type: rtype, Rdata: rdata}
}

// Unset returns the edit that removes a record (every record of rtype at
// owner when rdata is empty).
func Unset(owner, rtype, rdata string) Edit {
	return Edit{Unset: true, Owner: owner, Type: rtype, Rdata: rdata}
}

// SetSerial returns the edits that replace the apex SOA of a zone made by
// ZoneText with the same one at serial, as a registry's provisioning
// system bumps it with each change.
func SetSerial(serial, refresh, retry, expire uint32) []Edit {
	return []Edit{Unset("@", "SOA", ""), Set("@", 3600, "SOA", soaRdata(serial, refresh, retry, expire))}
}

func soaRdata(serial, refresh, retry, expire uint32) string {
	return fmt.Sprintf("ns1 hostmaster %d %d %d %d 300", serial, refresh, retry, expire)
}

// Transact applies edits as one Knot zone transaction (knotc zone-begin,
// zone-set and zone-unset, zone-commit). Knot applies it to the zone in
// memory as a change set, journals it and sends NOTIFY: the incremental
// path a registry's provisioning takes, unlike Reload, which reads and
// compares the whole zone file. The zone file is not rewritten
// (zonefile-sync: -1); do not mix Transact with WriteZone and Reload on one
// Primary, as a reload would undo the transactions.
func (p *Primary) Transact(edits ...Edit) {
	p.t.Helper()
	p.knotc("zone-begin", p.opts.Origin)
	for _, e := range edits {
		if err := p.edit(e); err != nil {
			p.knotc("zone-abort", p.opts.Origin)
			p.t.Fatal(err)
		}
	}
	p.knotc("zone-commit", p.opts.Origin)
}

func (p *Primary) edit(e Edit) error {
	args := []string{"-c", p.conf, "zone-set", p.opts.Origin, e.Owner}
	if e.Unset {
		args[2] = "zone-unset"
		args = append(args, e.Type)
	} else {
		if e.TTL != 0 {
			args = append(args, strconv.FormatUint(uint64(e.TTL), 10))
		}
		args = append(args, e.Type)
	}
	if e.Rdata != "" {
		args = append(args, e.Rdata)
	}
	if out, err := exec.Command("knotc", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("knotc %v: %v: %s", args[2:], err, out)
	}
	return nil
}

func (p *Primary) knotc(args ...string) {
	p.t.Helper()
	full := append([]string{"-c", p.conf}, args...)
	if out, err := exec.Command("knotc", full...).CombinedOutput(); err != nil {
		p.t.Fatalf("knotc %v: %v: %s", args, err, out)
	}
}
