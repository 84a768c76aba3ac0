package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat. It is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is the part of /proc/PID/stat the harness needs.
type procStat struct {
	pid, ppid    int
	state        byte   // 'Z' for a zombie awaiting its reaper
	utime, stime uint64 // clock ticks, all threads of the process
	startTime    uint64 // clock ticks after boot; tells a reused PID apart
}

// readProcStat parses /proc/PID/stat. The command name may contain spaces
// and parentheses, so fields are counted from the last ')'.
func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(pid, string(b))
}

func parseProcStat(pid int, s string) (procStat, error) {
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	// After ')': state(3) ppid(4) ... utime(14) stime(15) ... starttime(22).
	f := strings.Fields(s[end+1:])
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	st := procStat{pid: pid, state: f[0][0]}
	st.ppid, _ = strconv.Atoi(f[1])
	st.utime, _ = strconv.ParseUint(f[11], 10, 64)
	st.stime, _ = strconv.ParseUint(f[12], 10, 64)
	st.startTime, _ = strconv.ParseUint(f[19], 10, 64)
	return st, nil
}

// processTree returns root and all its living descendants (NSD forks a
// transfer daemon and server processes that do the real work).
func processTree(root int) []procStat {
	all := map[int][]procStat{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readProcStat(pid); err == nil {
			all[st.ppid] = append(all[st.ppid], st)
		}
	}
	rootStat, err := readProcStat(root)
	if err != nil {
		return nil
	}
	tree := []procStat{rootStat}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, all[tree[i].pid]...)
	}
	return tree
}

// cpuTime sums user and system time over a process tree snapshot.
func cpuTime(tree []procStat) time.Duration {
	var ticks uint64
	for _, st := range tree {
		ticks += st.utime + st.stime
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// systemTime sums only the kernel's share: for a UDP server at saturation
// it is mostly the socket path (recvmmsg, sendmmsg, loopback delivery),
// which every server pays alike, so it bounds how far user-space work
// can lower CPU per answer.
func systemTime(tree []procStat) time.Duration {
	var ticks uint64
	for _, st := range tree {
		ticks += st.stime
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// memoryUse is resident memory over a process tree. RSS counts pages
// shared between NSD's forked processes once per process; PSS splits
// shared pages between their users, so its sum is the true total.
type memoryUse struct {
	RSSKiB, PSSKiB, SharedKiB int64
}

func treeMemory(tree []procStat) memoryUse {
	var m memoryUse
	for _, st := range tree {
		m.RSSKiB += statusField(st.pid, "status", "VmRSS:")
		m.SharedKiB += statusField(st.pid, "status", "RssShmem:")
		m.PSSKiB += statusField(st.pid, "smaps_rollup", "Pss:")
	}
	return m
}

// statusField reads a "Key:   1234 kB" line from /proc/PID/<file>.
func statusField(pid int, file, key string) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), file))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == key {
			v, _ := strconv.ParseInt(fields[1], 10, 64)
			return v
		}
	}
	return 0
}
