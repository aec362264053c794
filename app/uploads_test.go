package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	u, err := a.SaveUploadFile(ctx, "", "records.csv", strings.NewReader(rawRecords))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(u.Path); err != nil || string(got) != rawRecords || u.Size != int64(len(rawRecords)) {
		t.Fatalf("saved %q (%d bytes), %v", got, u.Size, err)
	}
	if want := filepath.Join(dir, transientDir, uploadPrefix+u.ID, "records.csv"); u.Path != want {
		t.Errorf("saved as %s %v, want %s in the data dir's %s/", u.Path, u.Files, want, transientDir)
	}
	tmp := filepath.Join(dir, transientDir)
	for path, want := range map[string]os.FileMode{tmp: 0o700, filepath.Dir(u.Path): 0o700, u.Path: 0o600} {
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
	if _, err := a.SaveUploadFile(cctx, "", "records.csv", strings.NewReader(rawRecords)); err == nil {
		t.Error("a cancelled upload was saved")
	}
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after a cancelled upload: %v", got)
	}

	// Left at a clean shutdown: Close removes it.
	if _, err := a.SaveUploadFile(ctx, "", "records.csv", strings.NewReader(rawRecords)); err != nil {
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

// Several files saved as one upload are one release: the preview reads
// them together; a name that is no file name, a second file of the same
// name, a CSV among them or one file too many is refused with the file's
// name and leaves the upload as it was; discarding removes every file.
func TestUploads_severalFilesAreOneRelease(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(ctx, Options{DataDir: dir, LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	u, err := a.SaveUploadFile(ctx, "", "b.ndjson", strings.NewReader(fhirPatients(3)))
	if err != nil || !slices.Equal(u.Files, []string{"b.ndjson"}) || filepath.Base(u.Path) != "b.ndjson" {
		t.Fatalf("one file: %+v, %v; want the file itself", u, err)
	}
	bundle := `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"q1","gender":"male"}}]}`
	u2, err := a.SaveUploadFile(ctx, u.ID, `C:\Users\pat\a.json`, strings.NewReader(bundle))
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, transientDir, uploadPrefix+u.ID)
	if u2.ID != u.ID || u2.Path != folder || !slices.Equal(u2.Files, []string{"a.json", "b.ndjson"}) || u2.Size != u.Size+int64(len(bundle)) {
		t.Fatalf("two files: %+v, want folder %s with a.json and b.ndjson", u2, folder)
	}
	res, err := a.PreviewAnonymization(ctx, PreviewRequest{Path: u2.Path, Name: "2 files"})
	if err != nil || !slices.Equal(res.Tables, []string{"Patient"}) || res.NumRows != 4 {
		t.Fatalf("preview of the upload: %v, %v; want the 4 Patient rows of both files", res.Tables, err)
	}

	refused := []struct {
		what, id, name, body, want string
	}{
		{"a CSV among them", u.ID, "x.csv", "a,b\n1,2\n", "x.csv is not a .json or .ndjson file"},
		{"the same name twice", u.ID, "a.json", bundle, "two files are named a.json"},
		{"no file name", u.ID, "..", bundle, `".." is not a file name`},
		{"a hidden file", u.ID, ".a.json", bundle, `".a.json" is not a file name`},
		{"an upload that is no id", "../x", "c.json", bundle, "is not an upload id"},
		{"an upload gone", strings.Repeat("ab", 16), "c.json", bundle, "has expired"},
	}
	for _, c := range refused {
		_, err := a.SaveUploadFile(ctx, c.id, c.name, strings.NewReader(c.body))
		if code := marketplace.ErrorCode(err); (code != marketplace.EINVALID && code != marketplace.ENOTFOUND) || !strings.Contains(marketplace.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want %q", c.what, err, c.want)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.SaveUploadFile(cctx, u.ID, "c.json", strings.NewReader(bundle)); err == nil {
		t.Error("a cancelled file was saved")
	}
	if got, err := a.upload(u.ID); err != nil || !slices.Equal(got.Files, u2.Files) {
		t.Errorf("after the refusals: %v, %v; want the upload as it was", got.Files, err)
	}

	if err := a.DiscardUpload(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after discarding the upload: %v", got)
	}
}

// An upload holds at most MaxUploadFiles; a refused first file leaves no
// upload behind.
func TestUploads_boundedInFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(ctx, Options{DataDir: dir, LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	if _, err := a.SaveUploadFile(ctx, "", "", strings.NewReader("{}")); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("a first file without a name: %v", err)
	}
	if got := tmpEntries(t, dir); len(got) != 0 {
		t.Errorf("after a refused first file: %v", got)
	}
	var u Upload
	for i := range MaxUploadFiles {
		if u, err = a.SaveUploadFile(ctx, u.ID, fmt.Sprintf("p%03d.json", i), strings.NewReader("{}")); err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.SaveUploadFile(ctx, u.ID, "last.json", strings.NewReader("{}"))
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "last.json is one too many") {
		t.Errorf("file %d: %v", MaxUploadFiles+1, err)
	}
	if got, err := a.upload(u.ID); err != nil || len(got.Files) != MaxUploadFiles {
		t.Errorf("after the refusal: %d files, %v", len(got.Files), err)
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
