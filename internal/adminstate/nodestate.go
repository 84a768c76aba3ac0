package adminstate

// NodeStateName is the TXT name a node asks every hub for, signed with its
// own key, to learn its administrative state (set with `anycloud node
// disable|enable|drain` at the hub). The answer's first string is one of
// the states below.
const NodeStateName = "node-state.anycloud."

// Administrative node states, set at the hub and followed by the node.
const (
	NodeEnabled  = "enabled"  // health decides whether the node announces
	NodeDisabled = "disabled" // withdrawn until enabled again
	NodeDrained  = "drained"  // withdrawn for maintenance until enabled again
)

// ValidNodeState says whether s is one of the administrative states.
func ValidNodeState(s string) bool {
	return s == NodeEnabled || s == NodeDisabled || s == NodeDrained
}
