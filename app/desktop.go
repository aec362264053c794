package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// FileDialogs opens the operating system's file dialogs. The desktop build
// provides it through the Wails runtime.
type FileDialogs interface {
	OpenFile(ctx context.Context, title string, patterns []FilePattern) (string, error)
}

// SaveDialogs is the save dialog, which FileDialogs may also offer.
type SaveDialogs interface {
	// SaveFile asks where to save a file, suggesting name; "" when cancelled.
	SaveFile(ctx context.Context, title, name string, patterns []FilePattern) (string, error)
}

// FolderDialogs is the open-folder dialog, which FileDialogs may also
// offer.
type FolderDialogs interface {
	// OpenFolder asks for a folder; "" when cancelled.
	OpenFolder(ctx context.Context, title string) (string, error)
}

// FilePattern is a named group of file name patterns, e.g. "CSV" *.csv.
type FilePattern struct {
	Name    string
	Pattern string // semicolon-separated globs, e.g. "*.csv;*.tsv"
}

// Desktop is bound into the Wails window: the page calls its exported methods
// as window.go.app.Desktop.<Method>(). Keep it thin: it picks files and hands
// them to App's use cases.
type Desktop struct {
	ctx     context.Context
	dialogs FileDialogs
	log     *slog.Logger
}

// NewDesktop returns the bound object for a desktop window; log may be nil.
func NewDesktop(log *slog.Logger, dialogs FileDialogs) *Desktop {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Desktop{ctx: context.Background(), dialogs: dialogs, log: log}
}

// SetContext gives Desktop the window's context once the window starts.
func (d *Desktop) SetContext(ctx context.Context) { d.ctx = ctx }

// ChosenFile describes a file the user picked in a native dialog.
type ChosenFile struct {
	Path   string `json:"path"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Format string `json:"format"` // "csv" or "fhir"; what the importer will read it as
	// Files counts the records files of a chosen folder (0 for a file).
	Files int `json:"files,omitempty"`
}

// ChooseDataFile shows the native open-file dialog for patient records (CSV
// or FHIR JSON). It returns a zero ChosenFile when the user cancels.
func (d *Desktop) ChooseDataFile() (ChosenFile, error) {
	path, err := d.dialogs.OpenFile(d.ctx, "Choose patient records", []FilePattern{
		{Name: "Patient records (CSV, FHIR JSON)", Pattern: "*.csv;*.tsv;*.txt;*.json"},
		{Name: "All files", Pattern: "*"},
	})
	if err != nil {
		return ChosenFile{}, fmt.Errorf("open file dialog: %w", err)
	}
	if path == "" {
		d.log.Info("desktop: file choice cancelled")
		return ChosenFile{}, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return ChosenFile{}, fmt.Errorf("chosen file: %w", err)
	}
	f := ChosenFile{Path: path, Name: filepath.Base(path), Size: fi.Size(), Format: "csv"}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		f.Format = "fhir"
	}
	d.log.Info("desktop: data file chosen", "path", f.Path, "size", f.Size, "format", f.Format)
	return f, nil
}

// ChooseDataFolder shows the native open-folder dialog for a folder of
// patient records (FHIR Bundles or NDJSON, read as one release). It
// returns a zero ChosenFile when the user cancels, and an error naming the
// folder when it holds no records file.
func (d *Desktop) ChooseDataFolder() (ChosenFile, error) {
	fd, ok := d.dialogs.(FolderDialogs)
	if !ok {
		return ChosenFile{}, errors.New("open folder dialog: not available here")
	}
	path, err := fd.OpenFolder(d.ctx, "Choose a folder of patient records")
	if err != nil {
		return ChosenFile{}, fmt.Errorf("open folder dialog: %w", err)
	}
	if path == "" {
		d.log.Info("desktop: folder choice cancelled")
		return ChosenFile{}, nil
	}
	files, size, err := RecordsFolder(path)
	if err != nil {
		return ChosenFile{}, errors.New(marketplace.ErrorMessage(err))
	}
	f := ChosenFile{Path: path, Name: filepath.Base(path), Size: size, Format: "fhir", Files: len(files)}
	d.log.Info("desktop: data folder chosen", "path", f.Path, "files", f.Files, "size", f.Size)
	return f, nil
}

// RecordsFolder returns the records files of folder dir as the records
// reader takes them (its *.json and *.ndjson files, sorted by name, not its
// subfolders) and their size together. A folder holding none, or one that
// cannot be read, is EINVALID naming it.
func RecordsFolder(dir string) ([]string, int64, error) {
	files, err := folderFiles(dir)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, 0, marketplace.Errorf(marketplace.EINVALID, "Cannot read %s in the folder %s: %v", filepath.Base(f), dir, errors.Unwrap(err))
		}
		size += fi.Size()
	}
	return files, size, nil
}

// ChooseSaveFile shows the native save dialog for a downloaded dataset,
// suggesting name (e.g. "cohort-7.csv"). It returns "" when the user
// cancels. The page then asks the window-only route to write the decrypted
// dataset there.
func (d *Desktop) ChooseSaveFile(name string) (string, error) {
	name = filepath.Base(strings.TrimSpace(name))
	if name == "." || name == string(filepath.Separator) {
		name = ""
	}
	pattern := "*"
	if ext := filepath.Ext(name); ext != "" {
		pattern = "*" + ext
	}
	sd, ok := d.dialogs.(SaveDialogs)
	if !ok {
		return "", errors.New("save file dialog: not available here")
	}
	path, err := sd.SaveFile(d.ctx, "Save the dataset", name, []FilePattern{
		{Name: "Dataset (" + strings.TrimPrefix(pattern, "*.") + ")", Pattern: pattern},
		{Name: "All files", Pattern: "*"},
	})
	if err != nil {
		return "", fmt.Errorf("save file dialog: %w", err)
	}
	if path == "" {
		d.log.Info("desktop: save cancelled")
		return "", nil
	}
	d.log.Info("desktop: save path chosen", "path", path)
	return path, nil
}
