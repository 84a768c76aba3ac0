package zone

import (
	"bytes"
	"io"
	"runtime"
	"strings"

	"github.com/miekg/dns"
)

// parseText cuts text into chunks while other cores parse them, and feeds
// the records to b in file order. At most two chunks per worker are in
// flight, which bounds the memory parsed-but-unbuilt records take.
func parseText(b *builder, text []byte, origin, filename string) error {
	workers := runtime.GOMAXPROCS(0)
	type result struct {
		rrs []dns.RR
		err error
	}
	type job struct {
		c   chunk
		out chan result
	}
	jobs := make(chan job, workers)
	order := make(chan chan result, 2*workers)
	done := make(chan struct{})
	defer close(done)
	scanErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		scanErr <- scanChunks(text, func(c chunk) bool {
			out := make(chan result, 1)
			select {
			case order <- out:
			case <-done:
				return false
			}
			select {
			case jobs <- job{c, out}:
				return true
			case <-done:
				return false
			}
		})
	}()
	for w := 0; w < workers; w++ {
		go func() {
			for j := range jobs {
				rrs, err := parseChunk(j.c, origin, filename)
				j.out <- result{rrs, err}
			}
		}()
	}
	for out := range order {
		res := <-out
		if res.err != nil {
			return res.err
		}
		for _, rr := range res.rrs {
			if err := b.add(rr); err != nil {
				return err
			}
		}
	}
	return <-scanErr
}

func parseChunk(c chunk, origin, filename string) ([]dns.RR, error) {
	var prefix strings.Builder
	if c.origin != nil {
		prefix.WriteString("$ORIGIN " + string(c.origin) + "\n")
	}
	marker := false
	switch {
	case c.ttl != nil:
		prefix.WriteString("$TTL " + string(c.ttl) + "\n")
	case c.last != nil:
		// A placeholder record stating the last TTL seen makes it the
		// default, exactly as in a one-piece parse; it is dropped below.
		prefix.WriteString(dns.Fqdn(origin) + " " + string(c.last) + " IN TYPE65280 \\# 0\n")
		marker = true
	}
	r := io.MultiReader(strings.NewReader(prefix.String()), bytes.NewReader(c.text))
	zp := dns.NewZoneParser(r, dns.Fqdn(origin), filename)
	rrs := make([]dns.RR, 0, len(c.text)/30)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if marker && len(rrs) > 0 {
		rrs = rrs[1:]
	}
	return rrs, zp.Err()
}
