package conformance

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// edgeWorkers is how many generated queries are in flight at once: enough
// to keep the run short, few enough for the 2-core CI machine.
const edgeWorkers = 4

// edgeReportsShown bounds the full reports printed; the summary counts all.
const edgeReportsShown = 40

// TestSignedEdgeCasesAnswerLikeKnot sends the generated queries of the
// signed edge-case zones to anycloud, Knot and NSD, and requires what
// TestAnycloudAnswersLikeKnot requires: anycloud answers as Knot does, or
// as NSD does where the two differ. The summary logs the counts per
// category (go test -v shows them).
func TestSignedEdgeCasesAnswerLikeKnot(t *testing.T) {
	specs, err := loadEdgeQueries()
	if err != nil {
		t.Fatal(err)
	}
	knot, nsd := startKnot(t), startNSD(t)
	anycloud := startAnycloud(t, zones)
	problems := make([]string, len(specs))
	peersDiffer := make([]bool, len(specs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range edgeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				q := specs[i].querySpec
				r := askAll(q, anycloud.Addr, knot.Addr, nsd.Addr)
				problems[i] = judge(q, r[0], r[1], r[2])
				peersDiffer[i] = !sameAnswer(r[1], r[2])
			}
		}()
	}
	for i := range specs {
		work <- i
	}
	close(work)
	wg.Wait()

	total, failed, differ := map[string]int{}, map[string]int{}, map[string]int{}
	shown := 0
	for i, s := range specs {
		total[s.category]++
		if peersDiffer[i] {
			differ[s.category]++
		}
		if problems[i] == "" {
			continue
		}
		failed[s.category]++
		if shown < edgeReportsShown {
			shown++
			t.Errorf("[%s] %s", s.category, problems[i])
		}
	}
	var summary []string
	n, nd := 0, 0
	for category, count := range total {
		summary = append(summary, fmt.Sprintf("  %-42s %5d queries %4d knot!=nsd %4d anycloud wrong",
			category, count, differ[category], failed[category]))
		n += failed[category]
		nd += differ[category]
	}
	slices.Sort(summary)
	t.Logf("%d generated query variants, %d where Knot and NSD differ, %d where anycloud answers as neither (or not as Knot where they agree)\n%s",
		len(specs), nd, n, strings.Join(summary, "\n"))
	if n > shown {
		t.Errorf("%d more wrong answers not shown", n-shown)
	}
}
