// Package cloud owns what `anycloud lab` runs in its hosts besides routing:
// a real Knot DNS primary per sample client zone (generated zones, TSIG,
// NOTIFY), the anycloud hub pulling from them, an anycloud node per node
// city announcing the service addresses to its city's BIRD router, the
// monitor with its dashboard in the hub's namespace, and a catchment probe
// in every city. It writes their configurations and keys under the lab's
// state directory and returns their command lines; package lab starts,
// records and stops the processes.
//
// It must never start a process itself, never write outside the lab's
// state directory, and never use an address outside the lab's plan.
package cloud
