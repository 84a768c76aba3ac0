package monitor

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Counts is one zone's queries at one node in one period, with the
// breakdowns a node's /metrics gives: "transport=udp", "family=ipv6",
// "qtype=AAAA", "rcode=NXDOMAIN", "edns", "do", "size=1232" (responses up
// to that many bytes).
type Counts struct {
	Queries uint64            `json:"queries"`
	By      map[string]uint64 `json:"by,omitempty"`
}

func (c *Counts) add(o Counts) {
	c.Queries += o.Queries
	if len(o.By) > 0 && c.By == nil {
		c.By = map[string]uint64{}
	}
	for k, v := range o.By {
		c.By[k] += v
	}
}

// hourCounts is one hour of one zone: node -> counts.
type hourCounts map[string]Counts

// historyStore keeps hourly counts per zone and node. The bbolt one
// rewrites only the current hour of each zone on a scrape, so its cost
// does not grow with the history kept (a JSON file rewritten whole did);
// the memory one is for a monitor without a state file.
type historyStore interface {
	add(hour int64, node string, zones map[string]Counts) error
	hours(zone string, from, to int64) (map[int64]hourCounts, error) // from and to included
	prune(before int64) error
	close() error
}

// openHistory opens the state file, or keeps the history in memory.
func openHistory(path string) (historyStore, error) {
	if path == "" {
		return &memHistory{zones: map[string]map[int64]hourCounts{}}, nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening traffic history %s: %w", path, err)
	}
	return &boltHistory{db: db}, nil
}

type memHistory struct {
	mu    sync.Mutex
	zones map[string]map[int64]hourCounts
}

func (s *memHistory) add(hour int64, node string, zones map[string]Counts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for zone, c := range zones {
		if s.zones[zone] == nil {
			s.zones[zone] = map[int64]hourCounts{}
		}
		if s.zones[zone][hour] == nil {
			s.zones[zone][hour] = hourCounts{}
		}
		cur := s.zones[zone][hour][node]
		cur.add(c)
		s.zones[zone][hour][node] = cur
	}
	return nil
}

func (s *memHistory) hours(zone string, from, to int64) (map[int64]hourCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]hourCounts{}
	for h, hc := range s.zones[zone] {
		if h >= from && h <= to {
			out[h] = hc
		}
	}
	return out, nil
}

func (s *memHistory) prune(before int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, hours := range s.zones {
		for h := range hours {
			if h < before {
				delete(hours, h)
			}
		}
	}
	return nil
}

func (s *memHistory) close() error { return nil }

// boltHistory: bucket "traffic", a bucket per zone in it, keyed by the
// hour's start (Unix seconds, big-endian so keys sort by time), holding
// the hour's hourCounts as JSON.
type boltHistory struct{ db *bolt.DB }

var trafficBucket = []byte("traffic")

func hourKey(h int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(h)) }

func (s *boltHistory) add(hour int64, node string, zones map[string]Counts) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(trafficBucket)
		if err != nil {
			return err
		}
		for zone, c := range zones {
			b, err := root.CreateBucketIfNotExists([]byte(zone))
			if err != nil {
				return err
			}
			hc := hourCounts{}
			if v := b.Get(hourKey(hour)); v != nil {
				if err := json.Unmarshal(v, &hc); err != nil {
					return fmt.Errorf("zone %s hour %d: %w", zone, hour, err)
				}
			}
			cur := hc[node]
			cur.add(c)
			hc[node] = cur
			v, err := json.Marshal(hc)
			if err != nil {
				return err
			}
			if err := b.Put(hourKey(hour), v); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *boltHistory) hours(zone string, from, to int64) (map[int64]hourCounts, error) {
	out := map[int64]hourCounts{}
	err := s.db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(trafficBucket)
		if root == nil || root.Bucket([]byte(zone)) == nil {
			return nil
		}
		c := root.Bucket([]byte(zone)).Cursor()
		for k, v := c.Seek(hourKey(from)); k != nil && int64(binary.BigEndian.Uint64(k)) <= to; k, v = c.Next() {
			hc := hourCounts{}
			if err := json.Unmarshal(v, &hc); err != nil {
				return err
			}
			out[int64(binary.BigEndian.Uint64(k))] = hc
		}
		return nil
	})
	return out, err
}

func (s *boltHistory) prune(before int64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(trafficBucket)
		if root == nil {
			return nil
		}
		return root.ForEachBucket(func(zone []byte) error {
			c := root.Bucket(zone).Cursor()
			for k, _ := c.First(); k != nil && int64(binary.BigEndian.Uint64(k)) < before; k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (s *boltHistory) close() error { return s.db.Close() }
