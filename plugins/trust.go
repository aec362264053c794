package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// TrustFile is the allow-list's file name in the data directory.
const TrustFile = "trusted-plugins.json"

// ErrUntrusted is the cause of refusing to run a plugin the user has not
// trusted; ErrChanged of refusing one whose binary changed since.
var (
	ErrUntrusted = errors.New("plugin not trusted")
	ErrChanged   = errors.New("plugin binary changed since it was trusted")
)

// TrustEntry pins one third-party plugin: the binary at Path runs only while
// its SHA-256 is SHA256.
type TrustEntry struct {
	// Name is what pipeline configs call the plugin by.
	Name string `json:"name"`
	// Path is the binary's absolute path.
	Path string `json:"path"`
	// SHA256 is the hex SHA-256 of the binary the user trusted.
	SHA256 string    `json:"sha256"`
	Added  time.Time `json:"added"`
	// Kinds are the services the plugin answered for when trusted.
	Kinds   []Kind `json:"kinds,omitempty"`
	Version string `json:"version,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// TrustStore is the allow-list, a JSON file the user manages through
// "medmarket plugins trust|untrust" (or by hand).
type TrustStore struct{ Path string }

// Load returns the entries sorted by name; a missing file is an empty list.
func (s TrustStore) Load() ([]TrustEntry, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []TrustEntry
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// Save writes the entries atomically (temporary file, then rename), readable
// by the user only.
func (s TrustStore) Save(list []TrustEntry) error {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(s.Path), ".trusted-plugins-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), s.Path)
}

// Find returns the entry called name.
func (s TrustStore) Find(name string) (TrustEntry, bool, error) {
	list, err := s.Load()
	if err != nil {
		return TrustEntry{}, false, err
	}
	for _, e := range list {
		if e.Name == name {
			return e, true, nil
		}
	}
	return TrustEntry{}, false, nil
}

// FileSHA256 returns the hex SHA-256 of a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
