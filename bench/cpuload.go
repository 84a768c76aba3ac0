package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuBusy reads the busy time (everything but idle and iowait) of the
// given CPUs from /proc/stat. Comparing it with the server's own CPU time
// shows how much else ran on the server's core: on a shared machine a
// compiler landing there skews every figure, and the report says so.
func cpuBusy(cpus []int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	want := map[string]bool{}
	for _, c := range cpus {
		want[fmt.Sprintf("cpu%d", c)] = true
	}
	var ticks uint64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !want[f[0]] {
			continue
		}
		for i, v := range f[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i != 3 && i != 4 && i < 8 { // skip idle, iowait; guest time is already in user
				ticks += n
			}
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// parseCPUList reads a taskset CPU list such as "0", "0,2" or "0-3".
func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
