package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/medmarket/medmarket/marketplace"
)

// Raw patient records pass through a node on their way to anonymization: the
// publish wizard's uploaded file, a downloaded blob before its hash is
// checked. They are written only inside the data directory, in tmp/ (mode
// 0700, files 0600), never in the system's temp directory, and they do not
// outlive their use: the UI discards an upload once published, abandoned or
// expired; Close empties tmp/ on a clean shutdown, and Open empties what a
// crash left (Open holds the directory's lock first, so no other process is
// using them).

// transientDir is the data directory's subdirectory for transient raw files.
const transientDir = "tmp"

// uploadPrefix names the files SaveUpload writes in transientDir.
const uploadPrefix = "upload-"

// Upload is a file a UI received and saved in the data directory.
type Upload struct {
	// ID names the upload for DiscardUpload: 32 random hex digits.
	ID string
	// Path is the saved file, for PreviewRequest.Path; it is removed by
	// DiscardUpload, by Close and by the next Open.
	Path string
	// Size is the number of bytes saved.
	Size int64
}

// transientPath is the data directory's tmp/.
func (a *App) transientPath() string { return filepath.Join(a.dataDir, transientDir) }

// clearTransient removes everything in the data directory's tmp/ and
// (re)creates it with mode 0700. The caller holds the directory's lock.
func (a *App) clearTransient() error {
	dir := a.transientPath()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if len(entries) > 0 {
		a.log.Info("transient files removed", "dir", dir, "files", len(entries))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		errs = append(errs, err)
	} else if err := os.Chmod(dir, 0o700); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	return nil
}

// createTransient creates an empty file (mode 0600) in the data directory's
// tmp/, named pattern as os.CreateTemp names it.
func (a *App) createTransient(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(a.transientPath(), pattern)
	if err != nil {
		return nil, fmt.Errorf("data dir tmp: %w", err)
	}
	return f, nil
}

// SaveUpload copies r into a new file of the data directory's tmp/ and
// returns it. The copy stops when ctx ends; on any error nothing is left.
// Callers discard the upload (DiscardUpload) once it is published,
// abandoned or expired; Close and the next Open remove what remains.
func (a *App) SaveUpload(ctx context.Context, r io.Reader) (Upload, error) {
	var b [16]byte
	rand.Read(b[:])
	u := Upload{ID: hex.EncodeToString(b[:])}
	u.Path = filepath.Join(a.transientPath(), uploadPrefix+u.ID)
	f, err := os.OpenFile(u.Path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Upload{}, fmt.Errorf("save upload: %w", err)
	}
	u.Size, err = io.Copy(f, ctxReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Upload{}, fmt.Errorf("save upload: %w", errors.Join(err, os.Remove(u.Path)))
	}
	return u, nil
}

// DiscardUpload removes the upload id (SaveUpload); one already gone is no
// error. An id that is not 32 hex digits yields EINVALID.
func (a *App) DiscardUpload(ctx context.Context, id string) error {
	if b, err := hex.DecodeString(id); err != nil || len(b) != 16 {
		return marketplace.Errorf(marketplace.EINVALID, "Upload: %q is not an upload id.", id)
	}
	err := os.Remove(filepath.Join(a.transientPath(), uploadPrefix+id))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("discard upload %s: %w", id, err)
	}
	return nil
}

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
