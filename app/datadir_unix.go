//go:build unix

package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/medmarket/medmarket/marketplace"
)

// dirLock is an advisory lock on <data dir>/LOCK. The kernel drops it when the
// process dies, so a crash never leaves a stale lock behind.
type dirLock struct{ f *os.File }

func lockDir(dir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, marketplace.Errorf(marketplace.ECONFLICT,
				"Data directory %s is in use by another medmarket process; stop it or choose another with --data.", dir)
		}
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	return &dirLock{f: f}, nil
}

func (l *dirLock) release() error {
	return l.f.Close() // closing the descriptor releases the flock
}
