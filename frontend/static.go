package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

// staticHandler serves the embedded assets with strong ETags, so browsers
// revalidate cheaply and always pick up a new binary's assets.
type staticHandler struct {
	files http.Handler
	etags map[string]string // path relative to the static root -> quoted ETag
}

func newStaticHandler(fsys fs.FS, root string) (*staticHandler, error) {
	sub, err := fs.Sub(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	etags := map[string]string{}
	err = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		etags[path] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	return &staticHandler{files: http.FileServerFS(sub), etags: etags}, nil
}

func (s *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	etag, ok := s.etags[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok { // no directory listings, no guessing
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	s.files.ServeHTTP(w, r)
}
