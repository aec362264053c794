package frontend

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medmarket/medmarket/app"
)

// transientFiles lists the files in the data directory's tmp/.
func transientFiles(t *testing.T, a *app.App) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(a.DataDir(), "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// filesUnder lists every file and directory under dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestWizardStore_uploadsAreOwnedAndExpire(t *testing.T) {
	_, a := newTestServer(t)
	clock := &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := newWizardStore(slog.New(slog.DiscardHandler), a, nil, clock.Now)
	var alice, bob [20]byte
	alice[0], bob[0] = 1, 2
	saved, err := a.SaveUploadFile(t.Context(), "", "p.csv", strings.NewReader("a,b\n1,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	u := s.put(alice, "../../etc/p.csv", "csv", saved)
	if u.Name != "p.csv" || u.Size != 8 {
		t.Errorf("upload %+v", u)
	}
	if dir := filepath.Dir(filepath.Dir(u.Path)); dir != filepath.Join(a.DataDir(), "tmp") {
		t.Errorf("upload saved in %s, want the data dir's tmp/", dir)
	}
	if fi, err := os.Stat(filepath.Dir(u.Path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("upload directory: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	if _, err := s.get(bob, u.ID); err == nil {
		t.Error("bob got alice's upload")
	}
	clock.Advance(wizardTTL)
	if got, err := s.get(alice, u.ID); err != nil || got != u {
		t.Fatalf("alice's upload at its TTL: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := s.get(alice, u.ID); err == nil {
		t.Error("an expired upload is still served")
	}
	if _, err := os.Stat(u.Path); !os.IsNotExist(err) {
		t.Errorf("the expired file is still on disk: %v", err)
	}
}

// tmpWatch notes what the system's temp directory holds while the wizard
// reads an upload (multipart files would be there during the request only).
type tmpWatch struct {
	*app.App
	tmp string

	mu   sync.Mutex
	seen []string
}

func (w *tmpWatch) PreviewAnonymization(ctx context.Context, req app.PreviewRequest) (app.PreviewResult, error) {
	entries, _ := os.ReadDir(w.tmp)
	w.mu.Lock()
	for _, e := range entries {
		w.seen = append(w.seen, e.Name())
	}
	w.mu.Unlock()
	return w.App.PreviewAnonymization(ctx, req)
}

// An uploaded file, raw patient records, lives only in the data directory
// (never the system's temp directory, not even during the request) and only
// until it is published, discarded, expired or the server stops.
func TestPublishWizard_rawUploadsNeverLinger(t *testing.T) {
	f := newMarketFixture(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	clock := &testClock{now: time.Now()}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	watch := &tmpWatch{App: f.a, tmp: tmp}
	h, err := NewServer(slog.New(slog.DiscardHandler), watch, Options{Context: ctx, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	defer f.srv.Close()
	alice := f.signIn(t, "alice")
	hx := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}}
	upload := func(what, records string) string {
		t.Helper()
		res, body := postMultipart(t, f.srv, "/mydata/publish/upload", map[string]string{"format": "csv"}, map[string]string{"file": records}, hx)
		wantBody(t, what, res, body, 200, `id="wizard-rows"`, `id="wizard-discard"`)
		if got := transientFiles(t, f.a); len(got) != 1 {
			t.Fatalf("%s: data dir tmp/ holds %v, want the upload", what, got)
		}
		return regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
	}
	gone := func(what string) {
		t.Helper()
		if got := transientFiles(t, f.a); len(got) != 0 {
			t.Errorf("%s: data dir tmp/ still holds %v", what, got)
		}
	}

	// Published: the file goes.
	id := upload("upload to publish", smallPatients)
	res, body := alice.run(url.Values{"upload": {id}, "preset": {"safe-harbor"}})
	wantBody(t, "report", res, body, 200, `id="publish-form"`, `id="wizard-discard"`)
	// Safe Harbor leaves the six patients unique: the publisher accepts that risk.
	res, body = alice.post("/mydata/publish/", url.Values{"upload": {id}, "preset": {"safe-harbor"}, "title": {"Never lingers"},
		"price": {"0"}, "permission": {"GRU"}, "format": {"csv"}, "accept-risk": {"1"}, "accept-words": {"synthetic patients"}}, true)
	wantBody(t, "published", res, body, 200, `id="published-link"`)
	gone("after publish")

	// Discarded by its owner: the file goes, step 1 again.
	id = upload("upload to discard", smallPatients)
	res, body = alice.post("/mydata/publish/discard", url.Values{"upload": {id}}, true)
	wantBody(t, "discarded", res, body, 200, `id="wizard-upload"`)
	gone("after discard")
	res, body = alice.run(url.Values{"upload": {id}, "preset": {"safe-harbor"}})
	wantBody(t, "discarded upload", res, body, 404, "expired or is not yours")

	// Expired: the next wizard request sweeps it. A file larger than the
	// multipart parser keeps in memory (8 MiB) streams to the data dir too.
	big := smallPatients + strings.Repeat(smallPatients[strings.Index(smallPatients, "\n")+1:], (10<<20)/len(smallPatients))
	id = upload("large upload to expire", big)
	clock.Advance(wizardTTL + time.Second)
	res, body = alice.run(url.Values{"upload": {id}, "preset": {"safe-harbor"}})
	wantBody(t, "expired upload", res, body, 404, "expired or is not yours")
	gone("after expiry")

	// Left when the server stops: discarded with it.
	upload("upload left", smallPatients)
	stop()
	for deadline := time.Now().Add(2 * time.Minute); len(transientFiles(t, f.a)) != 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	gone("after the server's context ended")

	if got := filesUnder(t, tmp); len(got) != 0 {
		t.Errorf("the system's temp directory holds %v", got)
	}
	if len(watch.seen) != 0 {
		t.Errorf("during the uploads the system's temp directory held %v", watch.seen)
	}
}

// importWatch notes what the system's temp directory holds when a trial
// import is parsed, within the request that uploaded it.
type importWatch struct {
	*app.App
	tmp  string
	seen chan int
}

func (w importWatch) ParseTrialImportFor(ctx context.Context, ref, recorder string, r io.Reader, cfg app.RecorderConfig) ([]app.StepInput, error) {
	entries, _ := os.ReadDir(w.tmp)
	w.seen <- len(entries)
	return w.App.ParseTrialImportFor(ctx, ref, recorder, r, cfg)
}

// A large trial import (over the multipart parser's default memory) is not
// spilled to the system's temp directory while it is read.
func TestTrialImport_largeFileNotInTheSystemTempDir(t *testing.T) {
	_, a := newTestServer(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	w := importWatch{App: a, tmp: tmp, seen: make(chan int, 1)}
	h, err := NewServer(slog.New(slog.DiscardHandler), w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	rows := "subject,visit,value\n" + strings.Repeat("S-0001,1,12.5\n", (10<<20)/14)
	postMultipart(t, srv, "/trials/0x01/import/preview", map[string]string{"recorder": "csv"}, map[string]string{"file": rows},
		http.Header{"Sec-Fetch-Site": {"same-origin"}, "Cookie": {signedInCookie(t, a)}})
	select {
	case n := <-w.seen:
		if n != 0 {
			t.Errorf("the system's temp directory held %d files while the import was read", n)
		}
	default:
		t.Fatal("the import was not parsed")
	}
}
