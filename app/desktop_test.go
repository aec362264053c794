package app

import (
	"context"
	"testing"
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
