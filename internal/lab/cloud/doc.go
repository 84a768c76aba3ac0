// Package cloud owns what `anycloud lab` runs in its hosts besides routing:
// a real Knot DNS primary per sample client zone (generated zones, TSIG,
// NOTIFY to every hub), the anycloud hubs each pulling from them and
// sharing their administered state (replication), an anycloud node per
// node city listing every hub and announcing the service addresses to its
// city's BIRD router, the monitors with the dashboard and a webhook
// receiver in the noc's namespace (apart from the hubs), and a catchment
// probe in every city. It writes their configurations and keys under the lab's
// state directory and returns their command lines; package lab starts,
// records and stops the processes.
//
// It must never start a process itself, never write outside the lab's
// state directory, and never use an address outside the lab's plan.
package cloud
