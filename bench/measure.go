package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"anycloud/internal/testpeer"
)

// scenario is one zone variant with the matching query flags.
type scenario struct {
	Name     string // "plain" or "signed"
	Zone     string // zone file
	DNSSECOK bool
}

// measurement is everything one server run yields. Figures that do not
// apply (AXFR for anycloud) are NaN-free: the Has* flags say what is set.
type measurement struct {
	QPS             float64
	CPUPercent      float64 // server CPU time / wall time of the saturating run
	CPUPerQuery     float64 // microseconds of server CPU per answered query
	SysPerQuery     float64 // the kernel's part of CPUPerQuery
	OtherLoad       float64 // % of the server's core used by anything else meanwhile
	CoreCPUPerQuery float64 // microseconds of the server core's busy time per answer
	Lost            int64
	LostPercent     float64
	BadRcodes       int64   // answers other than NOERROR/NXDOMAIN
	RespBytes       float64 // average response size: a server that leaves out records must show
	P50, P99        float64 // milliseconds, at the fixed latency rate
	RSS, PSS        float64 // MiB, over the whole process tree after the load
	StartUp         float64 // seconds from exec to the first authoritative SOA
	AXFR            float64 // seconds for a whole-zone transfer
	AXFRRecords     int64
	HasAXFR         bool
	Attempts        int           // 1 unless a disturbed measurement was repeated
	Answers         []answerShape // the sampled queries' answers, for agreement
}

// measureOnce starts one server in a fresh temporary directory, takes
// every figure and stops it again, whatever happens in between.
func measureOnce(ctx context.Context, log *slog.Logger, o *options, kind serverKind, sc scenario, queries string, sample [][2]string) (m measurement, err error) {
	srv, err := launch(o, kind, sc)
	if err != nil {
		return m, fmt.Errorf("%s: %w", kind.Name(), err)
	}
	defer func() { err = errors.Join(err, srv.close()) }()
	m, err = measureRunning(ctx, log, o, kind, sc, srv, queries, sample)
	if err != nil {
		err = fmt.Errorf("%s: %w", kind.Name(), err)
	}
	return m, err
}

// launchedServer is a server process with its temp dir and port.
type launchedServer struct {
	proc *serverProc
	dir  string
	port int
}

func launch(o *options, kind serverKind, sc scenario) (*launchedServer, error) {
	dir, err := os.MkdirTemp("", "anycloud-bench-"+kind.Name()+"-")
	if err != nil {
		return nil, err
	}
	srv := &launchedServer{dir: dir}
	var argv []string
	srv.port, err = testpeer.PickFreePort()
	if err == nil {
		argv, err = kind.Command(dir, o.origin, sc.Zone, srv.port)
	}
	if err == nil {
		srv.proc, err = startServer(argv, o.serverCPU, dir)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return srv, nil
}

// close stops the server by PID and removes its directory.
func (s *launchedServer) close() error {
	err := s.proc.stop(10 * time.Second)
	return errors.Join(err, os.RemoveAll(s.dir))
}

// measureRunning takes the figures in an order where each step cannot
// disturb the next: start-up, answer sample, saturation, latency, AXFR.
func measureRunning(ctx context.Context, log *slog.Logger, o *options, kind serverKind, sc scenario, srv *launchedServer, queries string, sample [][2]string) (m measurement, err error) {
	startUp, err := waitReady(ctx, srv.proc, o.origin, srv.port, o.startTimeout)
	if err != nil {
		return m, err
	}
	m.StartUp = startUp.Seconds()
	log.Info("server ready", "server", kind.Name(), "scenario", sc.Name, "startup", startUp.Round(time.Millisecond), "pid", srv.proc.pid())
	if m.Answers, err = collectAnswers(srv.port, sample, sc.DNSSECOK); err != nil {
		return m, err
	}
	if err := measureLoad(ctx, o, srv.proc, sc, srv.port, queries, srv.dir, &m); err != nil {
		return m, err
	}
	if err := measureLatency(ctx, o, sc, srv.port, queries, srv.dir, &m); err != nil {
		return m, err
	}
	if kind.AXFR() {
		ax, err := timeAXFR(ctx, o.origin, srv.port, o.clientCPU, o.duration+5*time.Minute)
		if err != nil {
			return m, err
		}
		m.AXFR, m.AXFRRecords, m.HasAXFR = ax.Took.Seconds(), ax.Records, true
	}
	return m, nil
}

// measureLoad runs dnsperf at saturation and charges the server's CPU
// time (all threads, all forked processes) to the answers it gave.
func measureLoad(ctx context.Context, o *options, proc *serverProc, sc scenario, port int, queries, dir string, m *measurement) error {
	load := o.load(port, queries, sc.DNSSECOK)
	busyBefore, err := cpuBusy(o.serverCPUs)
	if err != nil {
		return err
	}
	treeBefore, t0 := proc.tree(), time.Now()
	before, sysBefore := cpuTime(treeBefore), systemTime(treeBefore)
	res, err := runDnsperf(ctx, load, dir)
	if err != nil {
		return err
	}
	tree := proc.tree()
	used, wall := cpuTime(tree)-before, time.Since(t0)
	busyAfter, err := cpuBusy(o.serverCPUs)
	if err != nil {
		return err
	}
	if res.Completed == 0 {
		return fmt.Errorf("no query answered under load")
	}
	mem := treeMemory(tree)
	m.QPS, m.RespBytes = res.QPS, res.ResponseBytes
	m.CPUPercent = 100 * used.Seconds() / wall.Seconds()
	m.OtherLoad = max(0, 100*(busyAfter-busyBefore-used).Seconds()/wall.Seconds())
	m.CoreCPUPerQuery = float64((busyAfter - busyBefore).Microseconds()) / float64(res.Completed)
	m.CPUPerQuery = float64(used.Microseconds()) / float64(res.Completed)
	m.SysPerQuery = float64((systemTime(tree) - sysBefore).Microseconds()) / float64(res.Completed)
	m.Lost, m.BadRcodes = res.Lost, res.unexpectedRcodes()
	m.LostPercent = 100 * float64(res.Lost) / float64(max(res.Sent, 1))
	m.RSS, m.PSS = float64(mem.RSSKiB)/1024, float64(mem.PSSKiB)/1024
	return nil
}

// measureLatency replays the mix at a fixed rate below saturation: at
// saturation latency only mirrors the client's outstanding window.
func measureLatency(ctx context.Context, o *options, sc scenario, port int, queries, dir string, m *measurement) error {
	load := o.load(port, queries, sc.DNSSECOK)
	load.Rate, load.Verbose, load.Duration = o.latencyRate, true, o.latencyDuration
	res, err := runDnsperf(ctx, load, dir)
	if err != nil {
		return err
	}
	if len(res.Latencies) == 0 {
		return fmt.Errorf("latency run: no answers")
	}
	slices.Sort(res.Latencies)
	m.P50 = 1000 * percentile(res.Latencies, 50)
	m.P99 = 1000 * percentile(res.Latencies, 99)
	return nil
}
