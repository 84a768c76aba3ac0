package zone

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
)

// parseChunks parses chunks on every core and feeds the records to b in
// file order. At most two chunks per worker are parsed ahead of the
// builder, which bounds the memory the parsed-but-unbuilt records take.
func parseChunks(b *builder, chunks []chunk, origin, filename string) error {
	workers := runtime.GOMAXPROCS(0)
	type result struct {
		rrs []dns.RR
		err error
	}
	results := make([]chan result, len(chunks))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	ahead := make(chan struct{}, 2*workers)
	done := make(chan struct{})
	defer close(done)
	var next atomic.Int64
	for w := 0; w < workers; w++ {
		go func() {
			for {
				select {
				case ahead <- struct{}{}:
				case <-done:
					return
				}
				i := int(next.Add(1) - 1)
				if i >= len(chunks) {
					return
				}
				rrs, err := parseChunk(chunks[i], origin, filename)
				results[i] <- result{rrs, err}
			}
		}()
	}
	for i := range chunks {
		res := <-results[i]
		<-ahead
		if res.err != nil {
			return res.err
		}
		for _, rr := range res.rrs {
			if err := b.add(rr); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseChunk(c chunk, origin, filename string) ([]dns.RR, error) {
	var prefix strings.Builder
	if c.origin != nil {
		prefix.WriteString("$ORIGIN " + string(c.origin) + "\n")
	}
	if c.ttl != nil {
		prefix.WriteString("$TTL " + string(c.ttl) + "\n")
	}
	r := io.MultiReader(strings.NewReader(prefix.String()), bytes.NewReader(c.text))
	zp := dns.NewZoneParser(r, dns.Fqdn(origin), filename)
	rrs := make([]dns.RR, 0, len(c.text)/30)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	return rrs, zp.Err()
}
