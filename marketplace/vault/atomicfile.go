package vault

import (
	"os"
	"path/filepath"
)

// writeFileAtomic replaces the file at path with data, readable by its owner
// only (0600): data goes to a temporary file in the same directory (named
// after pattern, as os.CreateTemp names it), is synced, then renamed over
// path, so a crash leaves the old file or the new one, never a part of one.
func writeFileAtomic(path, pattern string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), pattern)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename; a leftover otherwise
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}
