package main

import (
	"os"
	"path/filepath"
)

// dialogDir is where a native file dialog opens: the user's sub folder of
// home (Downloads for a dataset to save) when it exists, else home, else
// "" (the toolkit's choice), rather than the directory the app was started in.
func dialogDir(home, sub string) string {
	if home == "" {
		return ""
	}
	if sub != "" {
		if fi, err := os.Stat(filepath.Join(home, sub)); err == nil && fi.IsDir() {
			return filepath.Join(home, sub)
		}
	}
	if fi, err := os.Stat(home); err == nil && fi.IsDir() {
		return home
	}
	return ""
}
