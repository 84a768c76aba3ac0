//go:build !linux

package authserver

// freebind does nothing where the kernel has no IP_FREEBIND: the listen
// addresses must exist before the server starts.
func freebind(string, int) error { return nil }
