package announce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"anycloud/internal/authserver"
)

// helperEnv names the environment variable that turns the test binary into
// an announcer process, so that the real speaker can run inside a network
// namespace (a Go process cannot move its goroutines between namespaces).
const helperEnv = "ANYCLOUD_ANNOUNCE_HELPER"

// helperSpec is what the test hands the helper process.
type helperSpec struct {
	Config   Config
	FailFile string // health is bad while this file exists
	Ready    string // written once the speaker is started
	// ServeDNS, when set, runs the node's real DNS server on these listen
	// addresses and feeds the drain its count of queries from away to
	// Service, as `anycloud node` does.
	ServeDNS []string
	Service  netip.Addr
}

func TestMain(m *testing.M) {
	if path := os.Getenv(peerEnv); path != "" {
		if err := runGoBGPPeer(path); err != nil {
			fmt.Fprintln(os.Stderr, "gobgp peer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if target := os.Getenv(streamEnv); target != "" {
		runStream(target)
		os.Exit(0)
	}
	if path := os.Getenv(helperEnv); path != "" {
		if err := runHelper(path); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runHelper runs an announcer until SIGTERM, then drains and exits, like
// `anycloud node` will.
func runHelper(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec helperSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	check := FuncCheck("fail-file", func(context.Context) error {
		if _, err := os.Stat(spec.FailFile); err == nil {
			return errors.New("fail file present")
		}
		return nil
	})
	if len(spec.ServeDNS) > 0 {
		srv := authserver.New(authserver.Config{Logger: log})
		up := make(chan struct{})
		go srv.Serve(context.Background(), spec.ServeDNS, func() { close(up) })
		<-up
		spec.Config.Traffic = func() uint64 { return srv.QueriesFromAway(spec.Service) }
	}
	a, err := New(spec.Config, []Check{check}, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		defer dcancel()
		if err := a.Drain(dctx); err != nil {
			log.Error("drain", "err", err)
		}
		cancel()
	}()
	go func() {
		time.Sleep(100 * time.Millisecond)
		os.WriteFile(spec.Ready, []byte("ok"), 0o644)
	}()
	return a.Run(ctx)
}
