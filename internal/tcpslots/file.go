package tcpslots

import "time"

// File is the YAML section of a DNS listener's TCP limits; zero keys take
// the defaults the caller passes.
type File struct {
	// MaxConnections is how many TCP connections may be open at once on all
	// listen addresses together; when all are taken, the connection idle the
	// longest is closed for the new one (RFC 7766 6.2.3).
	MaxConnections int `yaml:"max-connections"`
	// MaxPerPrefix is how many of them one IPv4 /24 or IPv6 /56 may hold;
	// past it, that prefix's new connections are refused.
	MaxPerPrefix int `yaml:"max-per-prefix"`
	// IdleTimeout closes a connection that has sent no response for this
	// long, e.g. "10s"; empty or partial frames do not count.
	IdleTimeout string `yaml:"idle-timeout"`
}

// Limits returns the limits f sets over def; each problem is reported
// through add with the key's name, such as "max-per-prefix".
func (f File) Limits(def Limits, add func(key, format string, args ...any)) Limits {
	l := def
	if f.MaxConnections < 0 {
		add("max-connections", "%d is negative", f.MaxConnections)
	} else if f.MaxConnections > 0 {
		l.MaxConns = f.MaxConnections
	}
	if f.MaxPerPrefix < 0 {
		add("max-per-prefix", "%d is negative", f.MaxPerPrefix)
	} else if f.MaxPerPrefix > 0 {
		l.MaxPerPrefix = f.MaxPerPrefix
	}
	if l.MaxPerPrefix > l.MaxConns {
		add("max-per-prefix", "%d is more than max-connections (%d)", l.MaxPerPrefix, l.MaxConns)
	}
	if f.IdleTimeout != "" {
		d, err := time.ParseDuration(f.IdleTimeout)
		switch {
		case err != nil:
			add("idle-timeout", "%v", err)
		case d < time.Second || d > time.Hour:
			add("idle-timeout", "%s is not between 1s and 1h", d)
		default:
			l.IdleTimeout = d
		}
	}
	return l
}
