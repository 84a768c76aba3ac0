package lab

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// birdProtocol is one line of `birdc show protocols`.
type birdProtocol struct {
	Name, Proto, State, Info string
}

// birdc asks a lab router's BIRD; the control socket is a file in the
// state directory, so no namespace switch is needed.
func birdc(ctx context.Context, stateDir, router string, args ...string) (string, error) {
	sock := birdSocket(filepath.Join(stateDir, router))
	cmd := exec.CommandContext(ctx, "birdc", append([]string{"-s", sock}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("birdc %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

func parseProtocols(out string) []birdProtocol {
	var list []birdProtocol
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] == "Name" || f[0] == "BIRD" {
			continue
		}
		p := birdProtocol{Name: f[0], Proto: f[1], State: f[3]}
		if len(f) > 5 {
			p.Info = strings.Join(f[5:], " ")
		}
		list = append(list, p)
	}
	return list
}

func (p birdProtocol) established() bool { return strings.HasPrefix(p.Info, "Established") }

func (p birdProtocol) isNode() bool { return strings.HasPrefix(p.Name, "node") }

// hasRoute reports whether the router has prefix in its table, and from
// which protocol and with which AS path.
func hasRoute(ctx context.Context, stateDir, router, prefix string) (bool, string, error) {
	out, err := birdc(ctx, stateDir, router, "show", "route", prefix, "all")
	if err != nil {
		return false, "", err
	}
	if !strings.Contains(out, prefix) {
		return false, "", nil
	}
	return true, asPathOf(out), nil
}

// bestPathFor returns the AS path of the router's best route covering
// addr, or "" if it has none.
func bestPathFor(ctx context.Context, stateDir, router, addr string) string {
	out, err := birdc(ctx, stateDir, router, "show", "route", "for", addr, "all")
	if err != nil {
		return ""
	}
	return asPathOf(out)
}

// asPathOf picks the best route's "BGP.as_path:" line.
func asPathOf(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if _, v, ok := strings.Cut(line, "BGP.as_path:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
