package conformance

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestAnycloudAnswersLikeKnot is the suite: every query variant of
// queries.txt goes to anycloud, Knot and NSD, and anycloud must answer as
// Knot does, or as NSD does where the two differ.
func TestAnycloudAnswersLikeKnot(t *testing.T) {
	specs := mustLoadQueries(t)
	knot, nsd := startKnot(t), startNSD(t) // first: they skip when not installed
	anycloud := startAnycloud(t, zones)
	failed := 0
	for _, line := range groupByLine(specs) {
		t.Run(subtestName(line[0]), func(t *testing.T) {
			for _, q := range line {
				r := askAll(q, anycloud.Addr, knot.Addr, nsd.Addr)
				if problem := judge(q, r[0], r[1], r[2]); problem != "" {
					failed++
					t.Errorf("%s", problem)
				}
			}
		})
	}
	t.Logf("%d query variants, %d where anycloud answered wrongly", len(specs), failed)
}

// judge returns "" when anycloud's answer is acceptable, else a report.
func judge(q querySpec, anycloud, knot, nsd response) string {
	if q.AnycloudRcode >= 0 {
		return judgeFixedRcode(q, anycloud, knot, nsd)
	}
	if problem := udpSizeProblem(q, anycloud); problem != "" {
		return problem + "\n" + digText("anycloud", anycloud)
	}
	if verdict(anycloud, knot, nsd) {
		return ""
	}
	return mismatchReport(q, anycloud, knot, nsd)
}

// judgeFixedRcode checks a query whose answer the spec fixes (anycloud
// serves no zone transfers): the rcode, an echoed question, no records.
func judgeFixedRcode(q querySpec, anycloud, knot, nsd response) string {
	want := dns.RcodeToString[q.AnycloudRcode]
	m := anycloud.Msg
	switch {
	case anycloud.Err != nil:
		return fmt.Sprintf("%s: want %s, got %v", q.Key(), want, anycloud.Err)
	case m.Rcode == q.AnycloudRcode && m.Response && len(m.Answer) == 0 &&
		len(m.Question) == 1 && m.Question[0].Name == q.Name:
		return ""
	}
	return fmt.Sprintf("%s: want rcode %s, QR, the question echoed and no answer records (knot says %s, nsd %s)\n%s",
		q.Key(), want, rcodeOf(knot), rcodeOf(nsd), digText("anycloud", anycloud))
}

func rcodeOf(r response) string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return rcodeName(r.Msg.Rcode)
}

// udpSizeProblem enforces RFC 1035 / RFC 6891 on its own, whatever the
// peers do: a UDP response never exceeds 512 octets, or the requestor's
// EDNS buffer size when that is larger.
func udpSizeProblem(q querySpec, r response) string {
	if q.TCP || r.Size == 0 {
		return ""
	}
	limit := 512
	if q.EDNS && int(q.BufSize) > limit {
		limit = int(q.BufSize)
	}
	if r.Size > limit {
		return fmt.Sprintf("%s: UDP response of %d octets exceeds the %d the query allows", q.Key(), r.Size, limit)
	}
	return ""
}

func groupByLine(specs []querySpec) [][]querySpec {
	var groups [][]querySpec
	for i, q := range specs {
		if i == 0 || specs[i-1].Line != q.Line {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], q)
	}
	return groups
}

var unsafeInName = regexp.MustCompile(`[^A-Za-z0-9.*_=-]+`)

// subtestName makes "line123_name_TYPE_flags" usable with go test -run.
func subtestName(q querySpec) string {
	name := unsafeInName.ReplaceAllString(q.Source, "_")
	if len(name) > 60 {
		name = name[:60]
	}
	return fmt.Sprintf("line%03d_%s", q.Line, strings.Trim(name, "_"))
}
