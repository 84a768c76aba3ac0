package conformance

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// querySpec is one concrete query: one line of queries.txt in one variant
// (transport and EDNS mode).
type querySpec struct {
	Line        int
	Source      string // the line as written
	Name        string // sent exactly as written: case matters (0x20)
	Qtype       uint16
	Qclass      uint16
	Opcode      int
	TCP         bool
	EDNS        bool
	DO          bool
	BufSize     uint16
	EDNSVersion uint8
	NSID        bool
	Options     []uint16 // unknown EDNS options, sent with an empty payload
	RD, CD      bool
	AD          bool // in a query: the client understands AD (RFC 6840 5.7)
	IXFRSerial  uint32
	// Malformed or unusual queries: QDCOUNT other than 1, the QR bit set,
	// two OPT records, a client cookie (RFC 7873), the last Cut octets of
	// the packed query left off (a truncated question), the OPT record in
	// the answer or authority section (OPTIn).
	Questions int
	QR        bool
	TwoOPT    bool
	Cookie    bool
	Cut       int
	OPTIn     string
	// AnycloudRcode, when >= 0, is the rcode anycloud must answer; the
	// peers' answers are then shown but not compared (zone transfers).
	AnycloudRcode int
}

// Key names the variant uniquely and readably: the line's name and type
// followed by the flags that make this variant.
func (q querySpec) Key() string {
	parts := []string{q.Name, dns.TypeToString[q.Qtype]}
	if q.Qtype == 0 || dns.TypeToString[q.Qtype] == "" {
		parts[1] = fmt.Sprintf("TYPE%d", q.Qtype)
	}
	parts = append(parts, map[bool]string{true: "tcp", false: "udp"}[q.TCP])
	parts = append(parts, q.ednsFlags()...)
	parts = append(parts, q.otherFlags()...)
	return strings.Join(parts, " ")
}

func (q querySpec) ednsFlags() []string {
	if !q.EDNS {
		return []string{"noedns"}
	}
	flags := []string{map[bool]string{true: "do", false: "edns"}[q.DO]}
	if q.BufSize != defaultBufSize {
		flags = append(flags, fmt.Sprintf("bufsize=%d", q.BufSize))
	}
	if q.EDNSVersion != 0 {
		flags = append(flags, fmt.Sprintf("ednsver=%d", q.EDNSVersion))
	}
	if q.NSID {
		flags = append(flags, "nsid")
	}
	for _, code := range q.Options {
		flags = append(flags, fmt.Sprintf("opt=%d", code))
	}
	if q.Cookie {
		flags = append(flags, "cookie")
	}
	if q.TwoOPT {
		flags = append(flags, "twoopt")
	}
	if q.OPTIn != "" {
		flags = append(flags, "optin="+q.OPTIn)
	}
	return flags
}

func (q querySpec) otherFlags() []string {
	var flags []string
	if q.Qclass != dns.ClassINET {
		flags = append(flags, "class="+dns.ClassToString[q.Qclass])
	}
	if q.Opcode != dns.OpcodeQuery {
		flags = append(flags, "opcode="+opcodeName(q.Opcode))
	}
	if q.Questions != 1 {
		flags = append(flags, fmt.Sprintf("questions=%d", q.Questions))
	}
	if q.QR {
		flags = append(flags, "qr")
	}
	if q.RD {
		flags = append(flags, "rd")
	}
	if q.AD {
		flags = append(flags, "ad")
	}
	if q.CD {
		flags = append(flags, "cd")
	}
	if q.Cut != 0 {
		flags = append(flags, fmt.Sprintf("cut=%d", q.Cut))
	}
	if q.IXFRSerial != 0 {
		flags = append(flags, fmt.Sprintf("ixfr=%d", q.IXFRSerial))
	}
	if q.AnycloudRcode >= 0 {
		flags = append(flags, "anycloud="+dns.RcodeToString[q.AnycloudRcode])
	}
	return flags
}

// defaultBufSize is the EDNS buffer size of a query that does not set one:
// the DNS Flag Day 2020 value dig and kdig send.
const defaultBufSize = 1232

// ednsMode is one point of the EDNS dimension of a line's variants.
type ednsMode struct{ edns, do bool }

var (
	allTransports = []bool{false, true} // UDP, TCP
	allEDNSModes  = []ednsMode{{false, false}, {true, false}, {true, true}}
)

// loadQueries reads a queries file and expands every line into its variants.
func loadQueries(path string) ([]querySpec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open queries: %w", err)
	}
	defer f.Close()
	var specs []querySpec
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		variants, err := parseQueryLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		for i := range variants {
			variants[i].Line = line
		}
		specs = append(specs, variants...)
	}
	return specs, scanner.Err()
}

// parseQueryLine turns "name type [flags...]" into its variants: every
// transport unless the line names one, every EDNS mode unless the line
// names one (or sets an EDNS field, which implies EDNS).
func parseQueryLine(text string) ([]querySpec, error) {
	fields := strings.Fields(text)
	if len(fields) < 2 {
		return nil, fmt.Errorf("want \"name type [flags...]\", got %q", text)
	}
	qtype, ok := parseType(fields[1])
	if !ok {
		return nil, fmt.Errorf("unknown type %q", fields[1])
	}
	base := querySpec{Source: text, Name: fields[0], Qtype: qtype, Qclass: dns.ClassINET,
		BufSize: defaultBufSize, AnycloudRcode: -1, Questions: 1}
	p := lineFlags{transports: allTransports, modes: allEDNSModes}
	for _, flag := range fields[2:] {
		if err := p.apply(&base, flag); err != nil {
			return nil, err
		}
	}
	return p.expand(base)
}

func parseType(s string) (uint16, bool) {
	if t, ok := dns.StringToType[strings.ToUpper(s)]; ok {
		return t, true
	}
	if n, ok := strings.CutPrefix(strings.ToUpper(s), "TYPE"); ok {
		v, err := strconv.ParseUint(n, 10, 16)
		return uint16(v), err == nil
	}
	return 0, false
}

func opcodeName(opcode int) string {
	if name, ok := dns.OpcodeToString[opcode]; ok {
		return name
	}
	return strconv.Itoa(opcode)
}
