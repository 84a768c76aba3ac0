package hub

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRefusesForeignEntries: a backup whose entries would leave the
// storage directory, or that is no backup at all, is refused before
// anything is written.
func TestBackupRefusesForeignEntries(t *testing.T) {
	for name, entry := range map[string]string{"escape": "admin/../../etc/x", "hidden": "admin/.x", "unknown": "other"} {
		var buf bytes.Buffer
		if err := writeTestBackup(&buf, entry); err != nil {
			t.Fatal(err)
		}
		storage := filepath.Join(t.TempDir(), "s")
		if _, err := RestoreBackup(storage, &buf); err == nil {
			t.Errorf("%s: entry %q accepted", name, entry)
		}
		if files, _ := filepath.Glob(filepath.Join(storage, "admin", "*")); len(files) > 0 {
			t.Errorf("%s: files written: %v", name, files)
		}
	}
	if _, err := RestoreBackup(t.TempDir(), strings.NewReader("not gzip")); err == nil {
		t.Error("a file that is no backup was accepted")
	}
}

func writeTestBackup(buf *bytes.Buffer, entry string) error {
	gz := gzip.NewWriter(buf)
	tw := tar.NewWriter(gz)
	for name, data := range map[string]string{backupManifest: fmt.Sprintf(`{"format":%q}`, backupFormat)} {
		if err := tarFile(tw, name, []byte(data)); err != nil {
			return err
		}
	}
	if err := tarFile(tw, entry, []byte("x")); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
