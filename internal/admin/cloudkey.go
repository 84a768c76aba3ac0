package admin

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"anycloud/internal/hub"
	"anycloud/internal/onboard"
)

// CloudKey returns the cloud's OpenPGP key: the configured file, or the
// one in the admin directory, made (0600) on first use through the
// replicated write, so every hub signs with the same key (two hubs making
// it at once conflict; the second takes the first's). A key file readable
// by others is refused: it signs what clients trust.
func (a *Admin) CloudKey() (*onboard.CloudKey, error) {
	cfg := a.h.Config()
	if cfg.Onboarding.PGPKey != "" {
		k, err := readCloudKey(cfg.Onboarding.PGPKey, nil)
		if err != nil && errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the cloud's OpenPGP key: %w", err)
		}
		return k, err
	}
	path := hub.AdminPath(cfg.Storage, hub.AdminCloudKey)
	k, err := readCloudKey(path, a.h.AdminFiles())
	if !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	var made *onboard.CloudKey
	err = a.write(func(tx *adminTx) error {
		made = nil
		if have, err := tx.read(hub.AdminCloudKey); err != nil || have != nil {
			return err // another hub made it meanwhile
		}
		k, err := onboard.NewCloudKey("anycloud " + cfg.Catalog)
		if err != nil {
			return err
		}
		data, err := k.ArmoredPrivate()
		if err != nil {
			return err
		}
		made = k
		tx.write(hub.AdminCloudKey, data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("the cloud's OpenPGP key: %w", err)
	}
	if made != nil {
		a.log.Info("made the cloud's OpenPGP key", "file", path, "fingerprint", made.Fingerprint())
	}
	return readCloudKey(path, a.h.AdminFiles())
}

// readCloudKey reads a cloud key file, refusing one others may read; mu,
// if set, is held for reading (the admin directory's files).
func readCloudKey(path string, mu *sync.RWMutex) (*onboard.CloudKey, error) {
	if mu != nil {
		mu.RLock()
		defer mu.RUnlock()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v): the cloud's private key must be 0600", path, st.Mode().Perm())
	}
	data, err := io.ReadAll(f) // the admin directory's files are bounded (replica.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return onboard.ReadCloudKey(data)
}
