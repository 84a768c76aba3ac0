package secondary

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// The SOA checks happen at exactly the SOA refresh after a success, the SOA
// retry after a failure, both clamped to [MinInterval, MaxInterval], and at
// MinInterval while there is no version yet.
func TestRefreshRetrySchedule_synctest(t *testing.T) {
	tests := []struct {
		name     string
		soa      fakeSOA
		min, max time.Duration
		downAt   time.Duration // the server stops answering then (0: never)
		horizon  time.Duration
		wantSOA  []time.Duration
	}{
		{"refresh at SOA refresh", fakeSOA{serial: 1, refresh: 3600, retry: 600, expire: 86400},
			30 * time.Second, 24 * time.Hour, 0, 3*3600*time.Second + time.Second, secs(0, 3600, 7200, 10800)},
		{"retry at SOA retry after a failure", fakeSOA{serial: 1, refresh: 3600, retry: 600, expire: 86400},
			30 * time.Second, 24 * time.Hour, time.Second, 5000 * time.Second, secs(0, 3600, 4200, 4800)},
		{"refresh clamped to MaxInterval", fakeSOA{serial: 1, refresh: 7 * 86400, retry: 600, expire: 30 * 86400},
			30 * time.Second, 6 * time.Hour, 0, 13 * time.Hour, secs(0, 6*3600, 12*3600)},
		{"refresh clamped to MinInterval", fakeSOA{serial: 1, refresh: 1, retry: 1, expire: 86400},
			30 * time.Second, 24 * time.Hour, 0, 100 * time.Second, secs(0, 30, 60, 90)},
		{"retry clamped to MinInterval", fakeSOA{serial: 1, refresh: 3600, retry: 5, expire: 86400},
			30 * time.Second, 24 * time.Hour, time.Second, 3700 * time.Second, secs(0, 3600, 3630, 3660, 3690)},
		{"no version yet: MinInterval", fakeSOA{serial: 1, refresh: 3600, retry: 600, expire: 86400, down: true},
			45 * time.Second, 24 * time.Hour, 0, 100 * time.Second, secs(0, 45, 90)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				soa := tt.soa
				f := newFake(map[string]*fakeSOA{"p1": &soa})
				h := newHarness(f, tt.min, tt.max)
				h.servers("p1")
				h.run(t, tt.horizon, func() {
					if tt.downAt > 0 {
						h.sleepUntil(tt.downAt)
						f.set("p1", func(s *fakeSOA) { s.down = true })
					}
				})
				if got := f.times("soa", ""); !slices.Equal(got, tt.wantSOA) {
					t.Fatalf("SOA checks at %v, want %v", got, tt.wantSOA)
				}
			})
		})
	}
}

// The zone expires exactly SOA EXPIRE (or EDNS EXPIRE when the server sent
// it) after the last contact, even between two retries, and comes back at
// the first check that reaches a server.
func TestExpireTimer_synctest(t *testing.T) {
	edns := uint32(5000)
	tests := []struct {
		name        string
		soa         fakeSOA
		upAgain     time.Duration
		horizon     time.Duration
		wantExpired []string
	}{
		// Contact at 0, down from 1s: retries at 3600, 4200, ... 6600, 7200;
		// expiry at 7000 falls between two of them.
		{"SOA expire", fakeSOA{serial: 1, refresh: 3600, retry: 600, expire: 7000},
			7100 * time.Second, 8000 * time.Second, []string{"true@1h56m40s", "false@2h0m0s"}},
		{"EDNS expire wins over the SOA", fakeSOA{serial: 1, refresh: 3600, retry: 600, expire: 7000, edns: &edns},
			0, 8000 * time.Second, []string{"true@1h23m20s"}},
		{"no expiry while a server answers", fakeSOA{serial: 1, refresh: 3600, retry: 600, expire: 3700},
			0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				soa := tt.soa
				f := newFake(map[string]*fakeSOA{"p1": &soa})
				h := newHarness(f, 30*time.Second, 24*time.Hour)
				h.servers("p1")
				horizon := tt.horizon
				if horizon == 0 {
					horizon = 20 * 3600 * time.Second
				}
				h.run(t, horizon, func() {
					if tt.wantExpired == nil {
						return // always up
					}
					h.sleepUntil(time.Second)
					f.set("p1", func(s *fakeSOA) { s.down = true })
					if tt.upAgain > 0 {
						h.sleepUntil(tt.upAgain)
						f.set("p1", func(s *fakeSOA) { s.down = false })
					}
				})
				if !slices.Equal(h.expired, tt.wantExpired) {
					t.Fatalf("Expired calls %v, want %v", h.expired, tt.wantExpired)
				}
			})
		})
	}
}

// A NOTIFY starts a check at once and the next refresh counts from it; an
// operator's retransfer too, even inside MinNotifyInterval.
func TestNotifyWakesNow_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(map[string]*fakeSOA{"p1": {serial: 1, refresh: 3600, retry: 600, expire: 86400}})
		h := newHarness(f, 30*time.Second, 24*time.Hour)
		h.servers("p1")
		h.z.MinNotifyInterval = func() time.Duration { return 60 * time.Second }
		h.run(t, 6000*time.Second, func() {
			h.sleepUntil(1000 * time.Second)
			f.set("p1", func(s *fakeSOA) { s.serial = 2 })
			if h.z.Notify() {
				t.Errorf("NOTIFY at 1000s, 1000s after the last check, reported held")
			}
			h.sleepUntil(1010 * time.Second)
			h.z.Retransfer(false)
		})
		// 0 start, 1000 NOTIFY, 1010 retransfer (never held), 4610 refresh.
		if got, want := f.times("soa", ""), secs(0, 1000, 1010, 4610); !slices.Equal(got, want) {
			t.Fatalf("SOA checks at %v, want %v", got, want)
		}
		if want := []string{"1@0s from p1", "2@16m40s from p1", "2@16m50s from p1"}; !slices.Equal(h.taken, want) {
			t.Fatalf("versions taken %v, want %v", h.taken, want)
		}
	})
}

// NOTIFYs faster than MinNotifyInterval merge into one check at the end of
// the interval counted from the last check's start, and the last NOTIFY of
// a burst is not lost: its serial is what that check takes. After a failed
// check the hold is at least MinInterval (the check at 10s fails, so the
// NOTIFY at 40s waits until 10s+300s, not 10s+10s).
func TestNotifyStormHolding_synctest(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		min      time.Duration
		failAt   time.Duration // the server fails from then (0: never)
		notifies []time.Duration
		horizon  time.Duration
		wantSOA  []time.Duration
		wantHeld int64
	}{
		{"burst merged into one check per interval", 60 * time.Second, 30 * time.Second, 0,
			secs(10, 20, 30, 50, 70, 200), 250 * time.Second, secs(0, 60, 120, 200), 5},
		{"no interval: each NOTIFY checks at once", 0, 30 * time.Second, 0,
			secs(10, 20, 30), 50 * time.Second, secs(0, 10, 20, 30), 0},
		{"after a failure MinInterval holds", 10 * time.Second, 300 * time.Second, 500 * time.Millisecond,
			secs(5, 40), 400 * time.Second, secs(0, 10, 310), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(map[string]*fakeSOA{"p1": {serial: 1, refresh: 3600, retry: 3600, expire: 86400}})
				h := newHarness(f, tt.min, 24*time.Hour)
				h.servers("p1")
				h.z.MinNotifyInterval = func() time.Duration { return tt.interval }
				h.run(t, tt.horizon, func() {
					if tt.failAt > 0 {
						h.sleepUntil(tt.failAt)
						f.set("p1", func(s *fakeSOA) { s.down = true })
					}
					for i, at := range tt.notifies {
						h.sleepUntil(at)
						f.set("p1", func(s *fakeSOA) { s.serial = uint32(10 + i) })
						h.z.Notify()
					}
				})
				if got := f.times("soa", ""); !slices.Equal(got, tt.wantSOA) {
					t.Fatalf("SOA checks at %v, want %v", got, tt.wantSOA)
				}
				if got := h.z.Status().NotifiesHeld; got != tt.wantHeld {
					t.Fatalf("NotifiesHeld %d, want %d", got, tt.wantHeld)
				}
			})
		})
	}
}

// The check at 60s merges the NOTIFYs of 10s..50s and takes the serial the
// last one announced.
func TestNotifyStormKeepsLast_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(map[string]*fakeSOA{"p1": {serial: 1, refresh: 3600, retry: 600, expire: 86400}})
		h := newHarness(f, 30*time.Second, 24*time.Hour)
		h.servers("p1")
		h.z.MinNotifyInterval = func() time.Duration { return 60 * time.Second }
		h.run(t, 100*time.Second, func() {
			h.sleepUntil(10 * time.Second)
			f.set("p1", func(s *fakeSOA) { s.serial = 2 })
			if !h.z.Notify() {
				t.Errorf("NOTIFY 10s after a check not reported held")
			}
			h.sleepUntil(50 * time.Second)
			f.set("p1", func(s *fakeSOA) { s.serial = 3 })
			h.z.Notify()
		})
		if want := []string{"1@0s from p1", "3@1m0s from p1"}; !slices.Equal(h.taken, want) {
			t.Fatalf("versions taken %v, want %v", h.taken, want)
		}
	})
}

// With several hubs (Sources) every hub is asked at each check, the zone
// follows the highest serial, never an older one that not every hub
// serves, and it expires only when no hub at all answered for the longest
// expire any of them gave.
func TestSourcesTimers_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(map[string]*fakeSOA{
			"a": {serial: 5, refresh: 3600, retry: 600, expire: 3000},
			"b": {serial: 7, refresh: 3600, retry: 600, expire: 9000},
		})
		h := newHarness(f, 30*time.Second, 24*time.Hour)
		h.z.Sources = func() []Source {
			return []Source{{Name: "a", Servers: []string{"a"}, Client: f}, {Name: "b", Servers: []string{"b"}, Client: f}}
		}
		h.run(t, 16300*time.Second, func() {
			h.sleepUntil(100 * time.Second)
			f.set("a", func(s *fakeSOA) { s.serial = 8 }) // taken at 3600
			h.sleepUntil(3700 * time.Second)
			f.set("a", func(s *fakeSOA) { s.serial = 3 }) // one hub rolled back: kept at 7200
			h.sleepUntil(7300 * time.Second)
			f.set("a", func(s *fakeSOA) { s.down = true })
			f.set("b", func(s *fakeSOA) { s.down = true })
		})
		if want := []string{"7@0s from b", "8@1h0m0s from a"}; !slices.Equal(h.taken, want) {
			t.Fatalf("versions taken %v, want %v", h.taken, want)
		}
		// KeptNewer at 7200 is a failed check: retries every 600s from then.
		if got, want := f.times("soa", "b")[:5], secs(0, 3600, 7200, 7800, 8400); !slices.Equal(got, want) {
			t.Fatalf("hub b asked at %v, want %v first", got, want)
		}
		// Both answered last at 7200 (a with expire 3000, b 9000): expiry at
		// 7200+9000 = 16200s (4h30m), not 7200+3000.
		if want := []string{"true@4h30m0s"}; !slices.Equal(h.expired, want) {
			t.Fatalf("Expired calls %v, want %v", h.expired, want)
		}
	})
}

// A check waits for its slowest hub (here one that times out after 2 s),
// but the expire timer runs from the answer of the hub that answered at
// once: the zone expires at 0+3000 s, not 2 s later.
func TestContactAtAnswer_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(map[string]*fakeSOA{
			"a": {serial: 5, refresh: 3600, retry: 600, expire: 3000},
			"b": {serial: 5, refresh: 3600, retry: 600, expire: 3000, down: true, delay: 2 * time.Second},
		})
		h := newHarness(f, 30*time.Second, 24*time.Hour)
		h.z.Sources = func() []Source {
			return []Source{{Name: "a", Servers: []string{"a"}, Client: f}, {Name: "b", Servers: []string{"b"}, Client: f}}
		}
		h.run(t, 3100*time.Second, nil)
		if want := []string{"true@50m0s"}; !slices.Equal(h.expired, want) {
			t.Fatalf("Expired calls %v, want %v", h.expired, want)
		}
	})
}

// A contact restored from before a restart (SetContact) keeps its expire
// timer: last contact 1h before start with expire 2h and no server
// reachable expires the zone 1h after start, not 2h.
func TestExpireAcrossRestart_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(map[string]*fakeSOA{"p1": {serial: 1, refresh: 3600, retry: 600, expire: 86400, down: true}})
		h := newHarness(f, 25*time.Minute, 24*time.Hour)
		h.servers("p1")
		h.z.SetContact(f.start.Add(-time.Hour), 2*time.Hour)
		h.run(t, 3*time.Hour, nil)
		// Checks every MinInterval (no version): 0, 25m, 50m, 75m; the
		// expiry at 1h falls between two of them (the expiry timer).
		if want := []string{"true@1h0m0s"}; !slices.Equal(h.expired, want) {
			t.Fatalf("Expired calls %v, want %v", h.expired, want)
		}
	})
}
