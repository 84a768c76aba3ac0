package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Failure modes of `lab fail NODE MODE`.
const (
	FailStopDNS = "stop-dns" // the DNS port refuses, as when the DNS engine is down but BGP lives
	FailKill    = "kill"     // the node process is killed (its BGP sessions close at once)
	FailSilent  = "silent"   // every packet on the node's link is dropped (hold timer expires)
	FailDrain   = "drain"    // the node is drained by its operator (withdraw, keep answering)
)

// FailModes lists the modes in the order the usage shows them.
var FailModes = []string{FailStopDNS, FailKill, FailSilent, FailDrain}

// nftTable is the one nftables table the lab creates, only inside node
// namespaces, to inject faults.
const nftTable = "anycloud_lab"

var faultRules = map[string]string{
	// reject answers like a closed port: ICMP port unreachable, TCP reset.
	FailStopDNS: `table inet anycloud_lab {
	chain input {
		type filter hook input priority 0;
		udp dport 53 reject
		tcp dport 53 reject with tcp reset
	}
}
`,
	FailSilent: `table inet anycloud_lab {
	chain input { type filter hook input priority 0; iifname "eth0" drop; }
	chain output { type filter hook output priority 0; oifname "eth0" drop; }
}
`,
}

// Fail breaks node (a node host name) on purpose. A node carries one fault
// at a time: heal it first to apply another.
func Fail(ctx context.Context, stateDir, node, mode string, cloud Cloud) error {
	st, h, err := loadNode(stateDir, node)
	if err != nil {
		return err
	}
	if f := st.Faults[node]; f != "" {
		return fmt.Errorf("%s already failed (%s): run `anycloud lab heal %s` first", node, f, node)
	}
	switch mode {
	case FailStopDNS, FailSilent:
		err = nft(ctx, h.Namespace, filepath.Join(st.Dir, node, "fault.nft"), faultRules[mode])
	case FailKill:
		err = killNode(st, node)
	case FailDrain:
		err = nodeCommand(ctx, st, h, cloud, "drain")
	default:
		return fmt.Errorf("unknown failure %q (want one of %s)", mode, strings.Join(FailModes, ", "))
	}
	if err != nil {
		return fmt.Errorf("lab fail %s %s: %w", node, mode, err)
	}
	return st.setFault(node, mode)
}

// Heal undoes whatever Fail did to node: it removes the fault rules,
// restarts a killed node and undrains a drained one.
func Heal(ctx context.Context, stateDir, node string, cloud Cloud) error {
	st, h, err := loadNode(stateDir, node)
	if err != nil {
		return err
	}
	var errs []error
	if namespaceHasTable(ctx, h.Namespace) {
		errs = append(errs, inNS(ctx, h.Namespace, "nft", "delete", "table", "inet", nftTable))
	}
	if restarted, err := st.restartDead(node); err != nil {
		errs = append(errs, err)
	} else if !restarted && st.Faults[node] == FailDrain {
		errs = append(errs, nodeCommand(ctx, st, h, cloud, "undrain"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("lab heal %s: %w", node, err)
	}
	return st.setFault(node, "")
}

func loadNode(stateDir, node string) (*State, Host, error) {
	st, err := LoadState(stateDir)
	if err != nil {
		return nil, Host{}, err
	}
	h, ok := st.Plan.Host(node)
	if !ok || h.Role != RoleNode {
		return nil, Host{}, fmt.Errorf("no lab node %q (nodes are node-<city>)", node)
	}
	return st, h, nil
}

func nft(ctx context.Context, ns, file, rules string) error {
	if err := os.WriteFile(file, []byte(rules), 0o644); err != nil {
		return err
	}
	return inNS(ctx, ns, "nft", "-f", file)
}

func namespaceHasTable(ctx context.Context, ns string) bool {
	return exec.CommandContext(ctx, "ip", "netns", "exec", ns, "nft", "list", "table", "inet", nftTable).Run() == nil
}

// nodeProcesses are the recorded processes of host node.
func (s *State) nodeProcesses(node string) []int {
	var out []int
	for i, p := range s.Processes {
		if p.Host == node {
			out = append(out, i)
		}
	}
	return out
}

func killNode(st *State, node string) error {
	killed := 0
	for _, i := range st.nodeProcesses(node) {
		if p := st.Processes[i]; p.alive() {
			if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
				return err
			}
			killed++
		}
	}
	if killed == 0 {
		return errors.New("no live process to kill")
	}
	return nil
}

// restartDead starts again, with the same argv and environment, every
// recorded process of node that is no longer running.
func (s *State) restartDead(node string) (bool, error) {
	var dead []Process
	keep := []Process{}
	for _, p := range s.Processes {
		if p.Host == node && !p.alive() {
			dead = append(dead, p)
		} else {
			keep = append(keep, p)
		}
	}
	s.Processes = keep
	for _, p := range dead {
		waitGone(p, 2*time.Second)
		if err := s.startProcess(p.Name, p.Host, p.Namespace, p.Argv, p.Env, p.Log); err != nil {
			return true, err
		}
	}
	return len(dead) > 0, nil
}

// waitGone gives a killed process time to release its sockets.
func waitGone(p Process, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && syscall.Kill(p.PID, 0) == nil {
		if st, err := procStartTime(p.PID); err != nil || st != p.StartTime {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func nodeCommand(ctx context.Context, st *State, h Host, cloud Cloud, verb string) error {
	if cloud == nil {
		return fmt.Errorf("%s: %w", verb, ErrNoCloud)
	}
	cmd, err := cloud.NodeCommand(st.Plan, h, filepath.Join(st.Dir, h.Name), verb)
	if err != nil {
		return err
	}
	return runIn(ctx, h.Namespace, cmd)
}

// runIn runs cmd inside ns and waits, returning its output on failure.
func runIn(ctx context.Context, ns string, cmd Command) error {
	c := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, cmd.Argv...)...)
	c.Env = append(os.Environ(), cmd.Env...)
	out, err := c.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(cmd.Argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ErrNoCloud marks subcommands that need the DNS side of the lab.
var ErrNoCloud = errors.New("this lab runs no DNS cloud (started without one)")

func (s *State) setFault(node, mode string) error {
	s.mu.Lock()
	if s.Faults == nil {
		s.Faults = map[string]string{}
	}
	if mode == "" {
		delete(s.Faults, node)
	} else {
		s.Faults[node] = mode
	}
	s.mu.Unlock()
	return s.save()
}

// Bump changes zone (e.g. "sv" or "sv.") at its primary with a new serial,
// which sends NOTIFY to the hub.
func Bump(ctx context.Context, stateDir, zone string, cloud Cloud) error {
	if cloud == nil {
		return ErrNoCloud
	}
	st, err := LoadState(stateDir)
	if err != nil {
		return err
	}
	name := "primary-" + strings.TrimSuffix(zone, ".")
	h, ok := st.Plan.Host(name)
	if !ok {
		return fmt.Errorf("no primary for zone %q in the lab", zone)
	}
	cmds, err := cloud.BumpCommands(st.Plan, h, filepath.Join(st.Dir, name))
	if err != nil {
		return err
	}
	for _, c := range cmds {
		if err := runIn(ctx, h.Namespace, c); err != nil {
			return fmt.Errorf("lab bump %s: %w", zone, err)
		}
	}
	return nil
}
