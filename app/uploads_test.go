package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// rawRecords stands for a patient's file as uploaded: identifiers included.
const rawRecords = "name,ssn,birthdate\nJane Roe,123-45-6789,1970-01-02\n"

func tmpEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, transientDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// An upload is saved in the data dir's tmp/ (0700, file 0600) and goes when
// discarded, when the app closes, and, left by a crash, when it opens.
func TestUploads_neverOutliveTheApp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *App {
		t.Helper()
		a, err := Open(ctx, Options{DataDir: dir, LightScrypt: true})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := open()
	u, err := a.SaveUpload(ctx, strings.NewReader(rawRecords))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(u.Path); err != nil || string(got) != rawRecords || u.Size != int64(len(rawRecords)) {
		t.Fatalf("saved %q (%d bytes), %v", got, u.Size, err)
	}
	if filepath.Dir(u.Path) != filepath.Join(dir, transientDir) {
		t.Errorf("saved in %s, want the data dir's %s/", filepath.Dir(u.Path), transientDir)
	}
	for path, want := range map[string]os.FileMode{filepath.Dir(u.Path): 0o700, u.Path: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v; want %v", path, err, fi.Mode().Perm(), want)
		}
	}
	if err := a.DiscardUpload(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after discard: %v", got)
	}
	if err := a.DiscardUpload(ctx, u.ID); err != nil {
		t.Errorf("discarding again: %v", err)
	}
	if err := a.DiscardUpload(ctx, "../medmarket.db"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("discarding a path: %v, want EINVALID", err)
	}

	// A cancelled copy leaves nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.SaveUpload(cctx, strings.NewReader(rawRecords)); err == nil {
		t.Error("a cancelled upload was saved")
	}
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after a cancelled upload: %v", got)
	}

	// Left at a clean shutdown: Close removes it.
	if _, err := a.SaveUpload(ctx, strings.NewReader(rawRecords)); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after Close: %v", got)
	}

	// Left by a crash (the process died with the files in place): the next
	// Open removes them, directories included, and makes tmp/ private again.
	tmp := filepath.Join(dir, transientDir)
	if err := os.WriteFile(filepath.Join(tmp, uploadPrefix+"0123456789abcdef0123456789abcdef"), []byte(rawRecords), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "left", "over"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	a = open()
	defer closeApp(t, a)
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after a crash and Open: %v", got)
	}
	if fi, err := os.Stat(tmp); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("tmp/ after Open: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
}

// A download to a writer (the UI's) keeps its ciphertext in the data dir,
// not the system's temp directory, and removes it.
func TestDownload_writesNothingInTheSystemTempDir(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	var published bytes.Buffer
	p := publishPatients(t, a, marketplace.Terms{Use: marketplace.HMB, DurationDays: 30, Seats: 1}, &published)
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	sys := t.TempDir()
	t.Setenv("TMPDIR", sys)
	got := &tmpWatchWriter{sys: sys}
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: got}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.buf.Bytes(), published.Bytes()) {
		t.Fatal("the download differs from the published file")
	}
	if got.seen != 0 {
		t.Errorf("the system's temp directory held %d files during the download", got.seen)
	}
	if entries, _ := os.ReadDir(sys); len(entries) != 0 {
		t.Errorf("the system's temp directory holds %d files after a download", len(entries))
	}
	if got := tmpEntries(t, a.DataDir()); len(got) != 0 {
		t.Errorf("the data dir's tmp/ holds %v after a download", got)
	}
}

// tmpWatchWriter notes how many files the system's temp directory holds
// while the download is written (the ciphertext's temp file is there then).
type tmpWatchWriter struct {
	buf  bytes.Buffer // not embedded: io.Copy would use its ReadFrom
	sys  string
	seen int
}

func (w *tmpWatchWriter) Write(p []byte) (int, error) {
	if entries, _ := os.ReadDir(w.sys); len(entries) > w.seen {
		w.seen = len(entries)
	}
	return w.buf.Write(p)
}
