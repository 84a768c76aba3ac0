package authserver

import (
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Per-zone query statistics, counted on the hot path without a lock: every
// handler (one per UDP socket, so one per core, and one per TCP connection)
// owns its counters and only it writes them; readers sum over all handlers.
// The adds are atomic only so that readers see whole values.

// statTypes are the query types counted by name; others count as "other".
var statTypes = [...]uint16{
	dns.TypeA, dns.TypeNS, dns.TypeCNAME, dns.TypeSOA, dns.TypePTR, dns.TypeMX, dns.TypeTXT,
	dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeDS, dns.TypeRRSIG, dns.TypeNSEC,
	dns.TypeDNSKEY, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeSVCB, dns.TypeHTTPS, dns.TypeCAA,
	dns.TypeANY,
}

// statTypeIndex maps a query type to its counter, the last being "other".
var statTypeIndex = func() [65536]uint8 {
	var idx [65536]uint8
	for i := range idx {
		idx[i] = uint8(len(statTypes))
	}
	for i, t := range statTypes {
		idx[t] = uint8(i)
	}
	return idx
}()

// SizeBuckets are the upper bounds of the response size buckets, in bytes.
var SizeBuckets = []int{128, 256, 512, 1024, 1232, 1500, 4096, 65535}

const numRcodes = 24 // 0-15 and the extended ones up to BADCOOKIE (23)

// zoneCounters are one handler's counters for one zone.
type zoneCounters struct {
	queries atomic.Uint64
	qtype   [len(statTypes) + 1]atomic.Uint64
	rcode   [numRcodes]atomic.Uint64
	tcp     atomic.Uint64
	ipv6    atomic.Uint64
	edns    atomic.Uint64
	do      atomic.Uint64
	size    [8]atomic.Uint64
}

// handlerStats holds one handler's counters, indexed by zone number.
type handlerStats struct {
	mu    sync.Mutex // guards growth of zones (rare), not the counts
	zones atomic.Pointer[[]*zoneCounters]
}

// statsRegistry numbers zones by origin for good (a new version keeps its
// zone's counters) and knows every handler's counters.
type statsRegistry struct {
	tcpOnce  sync.Once
	tcp      *handlerStats // shared by every TCP connection
	mu       sync.Mutex
	index    map[string]int // apex wire name -> number; 0 is "no zone"
	origins  []string
	handlers []*handlerStats
}

func (r *statsRegistry) zoneIndex(apex, origin string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.index == nil {
		r.index = map[string]int{}
		r.origins = []string{""}
	}
	if i, ok := r.index[apex]; ok {
		return i
	}
	r.origins = append(r.origins, origin)
	r.index[apex] = len(r.origins) - 1
	return len(r.origins) - 1
}

func (r *statsRegistry) register(hs *handlerStats) {
	r.mu.Lock()
	r.handlers = append(r.handlers, hs)
	r.mu.Unlock()
}

// counters returns the counters of zone i, creating them on first use.
func (hs *handlerStats) counters(i int) *zoneCounters {
	if zs := hs.zones.Load(); zs != nil && i < len(*zs) && (*zs)[i] != nil {
		return (*zs)[i]
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var cur []*zoneCounters
	if zs := hs.zones.Load(); zs != nil {
		cur = *zs
	}
	grown := make([]*zoneCounters, max(len(cur), i+1))
	copy(grown, cur)
	if grown[i] == nil {
		grown[i] = new(zoneCounters)
	}
	hs.zones.Store(&grown)
	return grown[i]
}

// count records one response of resp bytes to the handler's current query.
func (h *handler) count(resp []byte, udp bool, v6 bool) {
	c := h.stats.counters(h.zoneIdx)
	q := &h.q
	c.queries.Add(1)
	c.qtype[statTypeIndex[q.qtype]].Add(1)
	rcode := int(resp[3] & 0xF)
	if q.edns {
		c.edns.Add(1)
		if q.do {
			c.do.Add(1)
		}
		rcode |= h.extRcode << 4
	}
	if rcode < numRcodes {
		c.rcode[rcode].Add(1)
	}
	if !udp {
		c.tcp.Add(1)
	}
	if v6 {
		c.ipv6.Add(1)
	}
	b := 0
	for b < len(SizeBuckets)-1 && len(resp) > SizeBuckets[b] {
		b++
	}
	c.size[b].Add(1)
}

// ZoneStats are the counts for one zone since the server started.
type ZoneStats struct {
	Zone    string            `json:"zone"` // "" counts queries for no served zone
	Queries uint64            `json:"queries"`
	Qtype   map[string]uint64 `json:"qtype"`
	Rcode   map[string]uint64 `json:"rcode"`
	UDP     uint64            `json:"udp"`
	TCP     uint64            `json:"tcp"`
	IPv4    uint64            `json:"ipv4"`
	IPv6    uint64            `json:"ipv6"`
	EDNS    uint64            `json:"edns"`
	DO      uint64            `json:"do"`
	Size    map[int]uint64    `json:"size"` // bucket upper bound -> responses
}

// Stats sums every handler's counters, per zone.
func (s *Server) Stats() []ZoneStats {
	r := &s.stats
	r.mu.Lock()
	origins := append([]string(nil), r.origins...)
	handlers := append([]*handlerStats(nil), r.handlers...)
	r.mu.Unlock()
	if len(origins) == 0 {
		origins = []string{""}
	}
	out := make([]ZoneStats, len(origins))
	for i, o := range origins {
		out[i] = ZoneStats{Zone: o, Qtype: map[string]uint64{}, Rcode: map[string]uint64{}, Size: map[int]uint64{}}
	}
	for _, hs := range handlers {
		zs := hs.zones.Load()
		if zs == nil {
			continue
		}
		for i, c := range *zs {
			if c != nil && i < len(out) {
				out[i].add(c)
			}
		}
	}
	return out
}

func (z *ZoneStats) add(c *zoneCounters) {
	z.Queries += c.queries.Load()
	for i := range c.qtype {
		if n := c.qtype[i].Load(); n > 0 {
			name := "other"
			if i < len(statTypes) {
				name = dns.TypeToString[statTypes[i]]
			}
			z.Qtype[name] += n
		}
	}
	for i := range c.rcode {
		if n := c.rcode[i].Load(); n > 0 {
			z.Rcode[dns.RcodeToString[i]] += n
		}
	}
	tcp, v6 := c.tcp.Load(), c.ipv6.Load()
	z.TCP += tcp
	z.UDP += c.queries.Load() - tcp
	z.IPv6 += v6
	z.IPv4 += c.queries.Load() - v6
	z.EDNS += c.edns.Load()
	z.DO += c.do.Load()
	for i := range c.size {
		if n := c.size[i].Load(); n > 0 {
			z.Size[SizeBuckets[i]] += n
		}
	}
}

// tcpStats returns the counters every TCP connection shares.
func (s *Server) tcpStats() *handlerStats {
	s.stats.tcpOnce.Do(func() {
		s.stats.tcp = new(handlerStats)
		s.stats.register(s.stats.tcp)
	})
	return s.stats.tcp
}
