package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDialogDir(t *testing.T) {
	home := t.TempDir()
	if got := dialogDir(home, "Downloads"); got != home {
		t.Errorf("no Downloads: %q, want home", got)
	}
	dl := filepath.Join(home, "Downloads")
	if err := os.Mkdir(dl, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := dialogDir(home, "Downloads"); got != dl {
		t.Errorf("with Downloads: %q", got)
	}
	if got := dialogDir(filepath.Join(home, "missing"), ""); got != "" {
		t.Errorf("missing home: %q", got)
	}
	if got := dialogDir("", "Downloads"); got != "" {
		t.Errorf("no home: %q", got)
	}
}
