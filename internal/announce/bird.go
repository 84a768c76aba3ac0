package announce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// birdSpeaker drives an operator's own BIRD 2. anycloud writes one include
// file holding two static protocols, <Protocol>4 and <Protocol>6, with the
// service prefixes as routes while announced and no routes while withdrawn,
// then asks BIRD to reload with `birdc configure`. The protocols always
// exist, so filters naming them stay valid in both states. The operator's
// bird.conf needs only:
//
//	include "/var/lib/anycloud/bird-anycloud.conf";   # BIRDConfig.IncludeFile
//	protocol kernel { ipv4 { export where proto !~ "anycloud*"; }; }
//	protocol bgp upstream4 from anycloud_bgp {  # only with BIRDConfig.BFD
//		local as 64500; neighbor 192.0.2.1 as 64501;
//		hold time 3; keepalive time 1; connect retry time 1;
//		error wait time 1, 5;  # BIRD's default waits 60-300 s after BFD down
//		ipv4 { import none; export filter anycloud_export; };
//	}
//
// The include must exist before BIRD first starts (anycloud writes it,
// withdrawn, when it starts). Origin, prepends, communities and large
// communities are set per route in the include, the MED by its filter
// <Protocol>_export (see BIRDInclude); BIRD sets the next hop to itself on
// eBGP export. A drain rewrites the routes with GRACEFUL_SHUTDOWN and more
// prepends first (RFC 8326), then empties them. With BIRDConfig.BFD the
// include also holds a BFD protocol and the template anycloud_bgp (see
// BIRDBFD).
type birdSpeaker struct {
	cfg Config
	log *slog.Logger
}

func newBIRDSpeaker(cfg Config, log *slog.Logger) *birdSpeaker {
	return &birdSpeaker{cfg: cfg, log: log.With("speaker", "bird")}
}

func (b *birdSpeaker) start(ctx context.Context) error {
	// Start withdrawn: the include must exist before BIRD (re)reads its
	// configuration, and must not announce before health says so. A BIRD
	// not (yet) running is no reason to stop: it reads the include when it
	// starts, and every later change runs "configure" again.
	err := b.apply(ctx, nil)
	var notRunning *birdcError
	if errors.As(err, &notRunning) {
		b.log.Warn("bird not reachable yet; the include is written and read when it starts", "err", err)
		return nil
	}
	return err
}

// birdcError is birdc failing to run or to reach BIRD.
type birdcError struct{ err error }

func (e *birdcError) Error() string { return e.err.Error() }
func (e *birdcError) Unwrap() error { return e.err }

func (b *birdSpeaker) announce(ctx context.Context, prefixes []Prefix) error {
	return b.apply(ctx, prefixes)
}

func (b *birdSpeaker) withdraw(ctx context.Context, _ []Prefix) error {
	return b.apply(ctx, nil)
}

func (b *birdSpeaker) stop(ctx context.Context) error {
	return b.apply(ctx, nil)
}

func (b *birdSpeaker) apply(ctx context.Context, prefixes []Prefix) error {
	text := BIRDInclude(b.cfg.BIRD.Protocol, b.cfg.LocalAS, prefixes) + BIRDBFD(b.cfg.BIRD.Protocol, b.cfg.BIRD.BFD)
	if err := writeFileAtomic(b.cfg.BIRD.IncludeFile, []byte(text)); err != nil {
		return err
	}
	out, err := b.birdc(ctx, "configure")
	if err != nil {
		return err
	}
	return configureResult(out)
}

// configureResult interprets birdc's reply to "configure".
func configureResult(out string) error {
	for _, ok := range []string{"Reconfigured", "Reconfiguration in progress", "Reconfiguration already in progress"} {
		if strings.Contains(out, ok) {
			return nil
		}
	}
	return fmt.Errorf("birdc configure: %s", strings.TrimSpace(out))
}

func (b *birdSpeaker) birdc(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"-s", b.cfg.BIRD.Socket}, args...)
	cmd := exec.CommandContext(ctx, b.cfg.BIRD.Birdc, full...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), &birdcError{fmt.Errorf("birdc %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))}
	}
	return out.String(), nil
}

// peers lists BIRD's BGP protocols from `birdc show protocols`.
func (b *birdSpeaker) peers(ctx context.Context) []PeerStatus {
	out, err := b.birdc(ctx, "show", "protocols")
	if err != nil {
		b.log.Warn("listing bird protocols", "err", err)
		return nil
	}
	return parseBIRDProtocols(out)
}

// parseBIRDProtocols reads lines like
// "peer4      BGP        ---        up     12:00:00.000  Established".
func parseBIRDProtocols(out string) []PeerStatus {
	var list []PeerStatus
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[1] != "BGP" {
			continue
		}
		st := PeerStatus{Address: f[0], Session: strings.ToLower(f[3])}
		if len(f) >= 6 {
			st.Info = strings.Join(f[5:], " ")
			st.Session = strings.ToLower(f[5])
		}
		list = append(list, st)
	}
	return list
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".anycloud-bird-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
