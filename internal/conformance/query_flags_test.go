package conformance

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// lineFlags collects the dimensions a line fixes while its flags are read.
type lineFlags struct {
	transports   []bool
	modes        []ednsMode
	modeFixed    bool
	ednsImplied  bool // an EDNS field was set without naming a mode
	noEDNSforced bool
}

func (p *lineFlags) apply(q *querySpec, flag string) error {
	key, value, hasValue := strings.Cut(flag, "=")
	if hasValue {
		return p.applyValue(q, key, value)
	}
	switch flag {
	case "udp", "tcp":
		p.transports = []bool{flag == "tcp"}
	case "noedns":
		p.fixMode(ednsMode{false, false})
		p.noEDNSforced = true
	case "edns":
		p.fixMode(ednsMode{true, false})
	case "do":
		p.fixMode(ednsMode{true, true})
	case "nsid":
		q.NSID, p.ednsImplied = true, true
	case "cookie":
		q.Cookie, p.ednsImplied = true, true
	case "twoopt":
		q.TwoOPT, p.ednsImplied = true, true
	case "qr":
		q.QR = true
	case "rd":
		q.RD = true
	case "ad":
		q.AD = true
	case "cd":
		q.CD = true
	default:
		return fmt.Errorf("unknown flag %q", flag)
	}
	return nil
}

func (p *lineFlags) fixMode(m ednsMode) {
	if !p.modeFixed {
		p.modes, p.modeFixed = nil, true
	}
	p.modes = append(p.modes, m)
}

func (p *lineFlags) applyValue(q *querySpec, key, value string) error {
	var err error
	switch key {
	case "bufsize":
		q.BufSize, err = parseUint16(value)
		p.ednsImplied = true
	case "ednsver":
		var v uint16
		v, err = parseUint16(value)
		q.EDNSVersion, p.ednsImplied = uint8(v), true
	case "opt":
		var code uint16
		code, err = parseUint16(value)
		q.Options, p.ednsImplied = append(q.Options, code), true
	case "class":
		return lookup(dns.StringToClass, value, &q.Qclass)
	case "opcode":
		if n, numErr := strconv.Atoi(value); numErr == nil && n >= 0 && n < 16 {
			q.Opcode = n
			return nil
		}
		return lookupInt(dns.StringToOpcode, value, &q.Opcode)
	case "questions":
		q.Questions, err = strconv.Atoi(value)
	case "cut":
		q.Cut, err = strconv.Atoi(value)
		if err == nil && (q.Cut < 1 || q.Cut > 255) {
			err = fmt.Errorf("cut %d out of range 1-255", q.Cut)
		}
	case "optin":
		if value != "answer" && value != "authority" {
			return fmt.Errorf("optin=%s: want answer or authority", value)
		}
		q.OPTIn, p.ednsImplied = value, true
	case "ixfr":
		var serial uint64
		serial, err = strconv.ParseUint(value, 10, 32)
		q.IXFRSerial = uint32(serial)
	case "anycloud":
		return lookupInt(dns.StringToRcode, value, &q.AnycloudRcode)
	default:
		return fmt.Errorf("unknown flag %q", key)
	}
	if err != nil {
		return fmt.Errorf("flag %s=%s: %w", key, value, err)
	}
	return nil
}

// expand builds the variants of one line.
func (p *lineFlags) expand(base querySpec) ([]querySpec, error) {
	if p.noEDNSforced && p.ednsImplied {
		return nil, fmt.Errorf("noedns contradicts an EDNS flag")
	}
	modes := p.modes
	if p.ednsImplied && !p.modeFixed {
		modes = []ednsMode{{true, false}}
	}
	var variants []querySpec
	for _, tcp := range p.transports {
		for _, m := range modes {
			v := base
			v.TCP, v.EDNS, v.DO = tcp, m.edns, m.do
			variants = append(variants, v)
		}
	}
	return variants, nil
}

func parseUint16(s string) (uint16, error) {
	v, err := strconv.ParseUint(s, 10, 16)
	return uint16(v), err
}

func lookup(table map[string]uint16, key string, dst *uint16) error {
	v, ok := table[strings.ToUpper(key)]
	if !ok {
		return fmt.Errorf("unknown value %q", key)
	}
	*dst = v
	return nil
}

func lookupInt(table map[string]int, key string, dst *int) error {
	v, ok := table[strings.ToUpper(key)]
	if !ok {
		return fmt.Errorf("unknown value %q", key)
	}
	*dst = v
	return nil
}
