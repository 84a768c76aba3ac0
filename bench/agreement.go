package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// agreementSample is how many queries of the mix each server answers one
// by one so that the harness can compare the answers between servers: a
// fast server whose answers differ from NSD's and Knot's must be noticed.
const agreementSample = 300

// answerShape is what must agree between servers for one query: rcode,
// AA, and which owner/type pairs each section holds (TTLs, RRSIG bytes and
// record order may differ legitimately). For a referral or a negative
// answer the authority and additional sections are the answer.
type answerShape string

// sampleQueries reads every n-th line of the query file, up to count.
func sampleQueries(path string, count int) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan() && len(out) < count; i++ {
		if i%7 != 0 { // spread the sample over the file
			continue
		}
		name, qtype, ok := strings.Cut(sc.Text(), " ")
		if ok {
			out = append(out, [2]string{name, qtype})
		}
	}
	return out, sc.Err()
}

// collectAnswers asks each sampled query once over UDP (TCP on TC).
func collectAnswers(port int, queries [][2]string, dnssecOK bool) ([]answerShape, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	udp := &dns.Client{Net: "udp", Timeout: 2 * time.Second, UDPSize: 1232}
	tcp := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	shapes := make([]answerShape, 0, len(queries))
	for _, q := range queries {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(q[0]), dns.StringToType[q[1]])
		m.RecursionDesired = false
		m.SetEdns0(1232, dnssecOK)
		r, _, err := udp.Exchange(m, addr)
		if err == nil && r.Truncated {
			r, _, err = tcp.Exchange(m, addr)
		}
		if err != nil {
			return nil, fmt.Errorf("sample query %s %s: %w", q[0], q[1], err)
		}
		shapes = append(shapes, shapeOf(r))
	}
	return shapes, nil
}

func shapeOf(r *dns.Msg) answerShape {
	q := ""
	if len(r.Question) == 1 {
		q = r.Question[0].Name + " " + dns.TypeToString[r.Question[0].Qtype] + ": "
	}
	head := fmt.Sprintf("%s%s aa=%v | %s", q, dns.RcodeToString[r.Rcode], r.Authoritative, sectionShape(r.Answer))
	if len(r.Answer) > 0 {
		// Authority NS and additional addresses beside a positive answer
		// are optional (NSD adds them, Knot does not): not compared.
		return answerShape(head)
	}
	return answerShape(head + " | " + sectionShape(r.Ns) + " | " + sectionShape(r.Extra))
}

// sectionShape lists distinct owner/type pairs, sorted; RRSIGs are named
// by the type they cover so a missing signature shows.
func sectionShape(rrs []dns.RR) string {
	var keys []string
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == dns.TypeOPT {
			continue
		}
		key := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
		if sig, ok := rr.(*dns.RRSIG); ok {
			key += "(" + dns.TypeToString[sig.TypeCovered] + ")"
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return strings.Join(slices.Compact(keys), " ")
}

// agreement counts the sampled queries on which a and b answered alike,
// and returns the first difference as an example.
func agreement(a, b []answerShape) (same, total int, example string) {
	total = min(len(a), len(b))
	for i := range total {
		if a[i] == b[i] {
			same++
		} else if example == "" {
			example = fmt.Sprintf("%q vs %q", a[i], b[i])
		}
	}
	return same, total, example
}
