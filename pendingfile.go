package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/medmarket/medmarket/marketplace"
)

// pendingFile is an output written through a temporary file beside it (mode
// 0600): until commit renames it into place, the destination keeps what it
// held, so a command that fails half way never empties the user's file.
type pendingFile struct {
	*os.File
	dst  string
	done bool
}

// createPending starts writing dst; flag names dst's flag in errors.
func createPending(dst, flag string) (*pendingFile, error) {
	dir := filepath.Dir(dst)
	f, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s %s cannot be written", flag, dst)
	}
	return &pendingFile{File: f, dst: dst}, nil
}

// commit syncs the file and renames it onto its destination.
func (p *pendingFile) commit() error {
	if p.done {
		return nil
	}
	p.done = true
	err := errors.Join(p.Sync(), p.Close())
	if err == nil {
		err = os.Rename(p.Name(), p.dst)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", p.dst, errors.Join(err, os.Remove(p.Name())))
	}
	return nil
}

// discard removes the temporary file, leaving the destination as it was;
// after commit it does nothing.
func (p *pendingFile) discard() {
	if p.done {
		return
	}
	p.done = true
	// The user's file is untouched either way; a temp file left beside it
	// is named for what it is (pendingfile's pattern).
	_ = p.Close()
	_ = os.Remove(p.Name())
}
