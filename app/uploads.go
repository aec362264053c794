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
	"path"
	"path/filepath"
	"slices"
	"strings"

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

// uploadPrefix names the folders SaveUploadFile makes in transientDir,
// one per upload.
const uploadPrefix = "upload-"

// MaxUploadFiles bounds the files of one upload: a patient's record set is
// a few files (a Bundle per patient, an NDJSON file per resource type); a
// clinic's export of thousands is read where it is (the desktop window, the
// CLI's --in FOLDER), not copied through a form.
const MaxUploadFiles = 500

// Upload is what a UI received and saved in the data directory: one file,
// or several read as one release.
type Upload struct {
	// ID names the upload for SaveUploadFile and DiscardUpload: 32 random
	// hex digits.
	ID string
	// Path is what PreviewRequest.Path and PublishRequest.Input read: the
	// saved file when there is one, the folder holding them when there are
	// several (a folder reads as one FHIR release: its .json and .ndjson
	// files, sorted by name). It is removed by DiscardUpload, by Close and
	// by the next Open.
	Path string
	// Size is the number of bytes saved, all files together.
	Size int64
	// Files are the names of the saved files, sorted.
	Files []string
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

// SaveUploadFile copies r into the file name of upload id in the data
// directory's tmp/ and returns the upload with it; id "" starts a new
// upload. An upload of several files is one release of FHIR files, so
// each must be named .json or .ndjson (a CSV file is an upload of its
// own), no two alike; at most MaxUploadFiles. Errors about the name or
// the count are EINVALID and name the file. The copy stops when ctx ends;
// on any error the upload is as it was (a new one is not left). Calls for
// one upload are made one after another, not at the same time. Callers
// discard the upload (DiscardUpload) once it is published, abandoned or
// expired; Close and the next Open remove what remains.
func (a *App) SaveUploadFile(ctx context.Context, id, name string, r io.Reader) (Upload, error) {
	base, err := uploadFileName(name)
	if err != nil {
		return Upload{}, err
	}
	fresh := id == ""
	if fresh {
		var b [16]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	} else if !isUploadID(id) {
		return Upload{}, marketplace.Errorf(marketplace.EINVALID, "Upload: %q is not an upload id.", id)
	}
	dir := filepath.Join(a.transientPath(), uploadPrefix+id)
	if fresh {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return Upload{}, fmt.Errorf("save upload: %w", err)
		}
	} else if err := a.canAddUploadFile(id, dir, base); err != nil {
		return Upload{}, err
	}
	path := filepath.Join(dir, base)
	if err := saveFile(ctx, path, r); err != nil {
		if fresh {
			err = errors.Join(err, os.RemoveAll(dir))
		}
		return Upload{}, fmt.Errorf("save upload %s: %w", base, err)
	}
	return a.upload(id)
}

// canAddUploadFile checks that upload id (in dir) may take the file base:
// the upload exists, holds fewer than MaxUploadFiles, none named base, and
// with base it is a set of FHIR files.
func (a *App) canAddUploadFile(id, dir, base string) error {
	u, err := a.upload(id)
	if err != nil {
		return err
	}
	switch {
	case len(u.Files) >= MaxUploadFiles:
		return marketplace.Errorf(marketplace.EINVALID, "Records files: at most %d files in one upload; %s is one too many.", MaxUploadFiles, base)
	case slices.Contains(u.Files, base):
		return marketplace.Errorf(marketplace.EINVALID, "Records files: two files are named %s; rename one.", base)
	}
	for _, f := range append(u.Files, base) {
		if ext := strings.ToLower(filepath.Ext(f)); ext != ".json" && ext != ".ndjson" {
			return marketplace.Errorf(marketplace.EINVALID,
				"Records files: %s is not a .json or .ndjson file; several files are read as one FHIR release (Bundles or NDJSON), so upload a CSV file on its own.", f)
		}
	}
	return nil
}

// saveFile copies r into the new file path (mode 0600) until ctx ends; on
// error the file is removed.
func saveFile(ctx context.Context, path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, ctxReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, os.Remove(path))
	}
	return nil
}

// upload describes the saved upload id, or ENOTFOUND when it is gone.
func (a *App) upload(id string) (Upload, error) {
	u := Upload{ID: id, Path: filepath.Join(a.transientPath(), uploadPrefix+id)}
	entries, err := os.ReadDir(u.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return Upload{}, marketplace.Errorf(marketplace.ENOTFOUND, "Upload %s has expired: start again with the files.", id)
	}
	if err != nil {
		return Upload{}, fmt.Errorf("upload %s: %w", id, err)
	}
	for _, e := range entries { // sorted by name
		fi, err := e.Info()
		if err != nil {
			return Upload{}, fmt.Errorf("upload %s: %w", id, err)
		}
		u.Files, u.Size = append(u.Files, e.Name()), u.Size+fi.Size()
	}
	if len(u.Files) == 1 {
		u.Path = filepath.Join(u.Path, u.Files[0])
	}
	return u, nil
}

// uploadFileName is the base name a file is saved under, or EINVALID when
// name names no file (empty, a dot name, a hidden file, too long).
func uploadFileName(name string) (string, error) {
	base := path.Base(strings.ReplaceAll(name, `\`, "/")) // a browser may send a Windows path
	if name == "" || base == "/" || strings.HasPrefix(base, ".") || len(base) > 255 || strings.ContainsRune(base, 0) {
		return "", marketplace.Errorf(marketplace.EINVALID, "Records file: %q is not a file name; rename the file.", name)
	}
	return base, nil
}

// isUploadID reports whether id is 32 hex digits, as SaveUploadFile makes.
func isUploadID(id string) bool {
	b, err := hex.DecodeString(id)
	return err == nil && len(b) == 16
}

// DiscardUpload removes the upload id (SaveUploadFile), every file of it;
// one already gone is no error. An id that is not 32 hex digits yields
// EINVALID.
func (a *App) DiscardUpload(ctx context.Context, id string) error {
	if !isUploadID(id) {
		return marketplace.Errorf(marketplace.EINVALID, "Upload: %q is not an upload id.", id)
	}
	if err := os.RemoveAll(filepath.Join(a.transientPath(), uploadPrefix+id)); err != nil {
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
