package lab

// Cloud is what runs in the lab's hosts besides routing: the DNS side (the
// Knot primaries, the hub, the nodes, the monitor and the cities' probes).
// The lab does not implement DNS; `anycloud lab` passes package
// lab/cloud's implementation, and the lab's own tests pass a stand-in.
type Cloud interface {
	// HostCommands returns the processes to start in host h (none for
	// nothing); dir is h's private state directory. They are recorded and
	// stopped like the lab's own.
	HostCommands(plan *Plan, h Host, dir string) ([]Command, error)
	// NodeCommand returns the command, run inside node h's namespace, that
	// asks the node to "drain" or "undrain".
	NodeCommand(plan *Plan, h Host, dir, verb string) (Command, error)
	// NodeStatusURL is where node h serves its status document (JSON with
	// "state" and "reason"), as seen from inside its own namespace; "" for
	// none.
	NodeStatusURL(plan *Plan, h Host) string
	// BumpCommands returns the commands, run inside primary h's namespace,
	// that change its zone with a new serial and NOTIFY.
	BumpCommands(plan *Plan, h Host, dir string) ([]Command, error)
	// Dashboard is the host whose namespace serves the dashboard and its
	// address there ("" when there is none), for the host forwarder.
	Dashboard(plan *Plan) (host, addr string)
}
