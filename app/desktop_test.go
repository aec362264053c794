package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

type fakeSaveDialogs struct {
	fakeDialogs
	path      string
	gotName   string
	gotFilter string
}

func (f *fakeSaveDialogs) SaveFile(_ context.Context, _, name string, patterns []FilePattern) (string, error) {
	f.gotName, f.gotFilter = name, patterns[0].Pattern
	return f.path, nil
}

func TestDesktop_chooseSaveFile(t *testing.T) {
	d := &fakeSaveDialogs{path: "/home/r/cohort.csv"}
	got, err := NewDesktop(nil, d).ChooseSaveFile("../evil/cohort-7.csv")
	if err != nil || got != "/home/r/cohort.csv" {
		t.Fatalf("ChooseSaveFile: %q, %v", got, err)
	}
	if d.gotName != "cohort-7.csv" || d.gotFilter != "*.csv" {
		t.Errorf("dialog suggested %q with %q", d.gotName, d.gotFilter)
	}
	d.path = ""
	if got, err := NewDesktop(nil, d).ChooseSaveFile("x"); err != nil || got != "" {
		t.Errorf("cancelled: %q, %v", got, err)
	}
	// Dialogs without a save dialog: an error, not a panic.
	if _, err := NewDesktop(nil, fakeDialogs{}).ChooseSaveFile("x.csv"); err == nil {
		t.Error("no save dialog: no error")
	}
}

type fakeFolderDialogs struct {
	fakeDialogs
	folder   string
	err      error
	gotTitle string
}

func (f *fakeFolderDialogs) OpenFolder(_ context.Context, title string) (string, error) {
	f.gotTitle = title
	return f.folder, f.err
}

func TestDesktop_chooseDataFolder(t *testing.T) {
	dir := t.TempDir()
	records := filepath.Join(dir, "records")
	empty := filepath.Join(dir, "empty")
	for _, d := range []string{filepath.Join(records, "sub"), empty} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range map[string]string{
		"b.json": `{"resourceType":"Bundle"}`, "a.NDJSON": "{}\n", "notes.txt": "not read", "sub/c.json": "{}",
	} {
		if err := os.WriteFile(filepath.Join(records, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(empty, "patients.csv"), []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name    string
		dialogs *fakeFolderDialogs
		want    ChosenFile
		wantErr string
	}{
		// Only the folder's own *.json and *.ndjson files count: 25 + 3 bytes.
		{"folder", &fakeFolderDialogs{folder: records}, ChosenFile{Path: records, Name: "records", Size: 28, Format: "fhir", Files: 2}, ""},
		{"cancelled", &fakeFolderDialogs{}, ChosenFile{}, ""},
		{"no records", &fakeFolderDialogs{folder: empty}, ChosenFile{}, "The folder " + empty + " holds no .json or .ndjson files"},
		{"vanished", &fakeFolderDialogs{folder: filepath.Join(dir, "gone")}, ChosenFile{}, "Cannot read the folder " + filepath.Join(dir, "gone")},
		{"dialog failed", &fakeFolderDialogs{err: errors.New("no display")}, ChosenFile{}, "open folder dialog: no display"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewDesktop(nil, tt.dialogs).ChooseDataFolder()
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Errorf("err %v, want %q", err, tt.wantErr)
			}
			if tt.dialogs.gotTitle != "Choose a folder of patient records" {
				t.Errorf("dialog title %q", tt.dialogs.gotTitle)
			}
		})
	}
	// Dialogs without a folder dialog: an error, not a panic.
	if _, err := NewDesktop(nil, fakeDialogs{}).ChooseDataFolder(); err == nil {
		t.Error("no folder dialog: no error")
	}
}

func TestRecordsFolder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"2.json", "1.ndjson"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, size, err := RecordsFolder(dir)
	want := []string{filepath.Join(dir, "1.ndjson"), filepath.Join(dir, "2.json")}
	if err != nil || !slices.Equal(files, want) || size != 6 {
		t.Errorf("RecordsFolder: %v, %d, %v; want %v, 6", files, size, err, want)
	}
	if _, _, err := RecordsFolder(t.TempDir()); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("empty folder: %v, want EINVALID", err)
	}
}
