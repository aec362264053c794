package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// On a terminal, "auto" shows the bar for a large input: a file by its
// size, a folder by the total size of its files, which the read events
// carry (the folder's own size says nothing).
func TestProgressBar_autoSizesAFolderByItsFiles(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.csv")
	if err := os.WriteFile(small, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(size int64) app.AnonymizeProgress {
		return app.AnonymizeProgress{Stage: "read", Table: "Observation", Rows: 1200, Bytes: size / 2, Size: size}
	}
	cases := []struct {
		name string
		in   string
		size int64
		want bool
	}{
		{"large folder", dir, progressMinBytes + 1, true},
		{"small folder", dir, progressMinBytes - 1, false},
		{"small file", small, progressMinBytes + 1, false}, // the file's own size decides
	}
	for _, c := range cases {
		var out bytes.Buffer
		bar := autoProgressBar(&out, c.in)
		bar.update(read(c.size))
		bar.update(app.AnonymizeProgress{Stage: "transform", Table: "Observation", Step: 1, Steps: 1, Transform: "safe-harbor"})
		got := out.String()
		if shown := strings.Contains(got, "reading Observation: 1,200 rows") && strings.Contains(got, "step 1/1 safe-harbor"); shown != c.want {
			t.Errorf("%s: bar shown %v, want %v: %q", c.name, shown, c.want, got)
		}
	}
}
