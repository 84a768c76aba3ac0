package hub

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"
)

// Retransfer forces a full transfer of zone from its primaries; with
// acceptOlder the gate lets a serial that went backwards through once.
func (h *Hub) Retransfer(zone string, acceptOlder bool) error {
	z := h.lookup(dns.CanonicalName(zone))
	if z == nil || z.sec == nil {
		return fmt.Errorf("%q is not a client zone of this hub", zone)
	}
	h.log.Warn("operator forced a retransfer", "zone", z.origin, "accept_older", acceptOlder)
	z.sec.Retransfer(acceptOlder)
	return nil
}

// ReloadFile re-reads the configuration file the hub started with and
// applies it all or nothing.
func (h *Hub) ReloadFile() error {
	path := h.config().Path
	if path == "" {
		return errors.New("the hub was not started from a file")
	}
	cfg, err := h.loadConfig(path)
	if err != nil {
		h.log.Error("reload refused, configuration unchanged", "err", err)
		h.reloaded(err)
		return err
	}
	return h.Reload(cfg)
}
