package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/app"
)

// slowPreviews holds every anonymization run at its second step until
// released or cancelled, so the test sees the run in progress.
type slowPreviews struct {
	*app.App
	release chan struct{}
}

func (s slowPreviews) PreviewAnonymization(ctx context.Context, req app.PreviewRequest) (app.PreviewResult, error) {
	if req.Preset != "" {
		req.Progress(app.AnonymizeProgress{Stage: "transform", Step: 2, Steps: 3, Transform: "k-anonymity"})
		select {
		case <-s.release:
		case <-ctx.Done():
			return app.PreviewResult{}, ctx.Err()
		}
	}
	return s.App.PreviewAnonymization(ctx, req)
}

// A run that takes longer than the request waits answers with its
// progress; polling shows how far it is and then the report; Cancel stops
// it and goes back to the columns; only the run's owner sees it.
func TestPublishWizard_runProgress(t *testing.T) {
	f := newMarketFixture(t)
	slow := slowPreviews{App: f.a, release: make(chan struct{})}
	h, err := NewServer(slog.New(slog.DiscardHandler), slow, Options{RunWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	f.srv = srv
	alice, bob := f.signIn(t, "alice"), f.signIn(t, "bob")
	csv, err := os.ReadFile(patientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	upload := alice.uploadCSV(t, string(csv), "step 2", `id="wizard-rows"`)
	form := url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}}
	pollURL := regexp.MustCompile(`hx-get="(/mydata/publish/run/[0-9a-f]{32}/)"`)

	// Started and cancelled: step 2 again, with the reason.
	res, body := alice.post("/mydata/publish/run", form, true)
	wantBody(t, "running", res, body, 202, `id="wizard-running"`, `hx-trigger="load delay:500ms"`, `<progress id="run-progress"`, `id="run-cancel"`)
	m := pollURL.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no poll URL in\n%s", body)
	}
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(body, "Step 2 of 3") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		res, body = alice.get(m[1], true)
	}
	wantBody(t, "progress", res, body, 202, "Step 2 of 3: searching", `<progress id="run-progress" value="53" max="100"`)
	res, body = bob.get(m[1], true)
	wantBody(t, "another account's run", res, body, 404, "not yours")
	res, body = alice.get(m[1], true)
	wantBody(t, "still running", res, body, 202, `id="wizard-running"`, m[1])
	res, body = alice.get(m[1], false)
	wantBody(t, "progress page without htmx", res, body, 202, "<h1>Publish a dataset</h1>", `id="run-refresh"`)
	res, body = alice.post(m[1]+"cancel", nil, true)
	wantBody(t, "cancelled", res, body, 200, `id="wizard-problem"`, "Anonymization cancelled", `id="wizard-rows"`, "direct-identifier")
	res, body = alice.get(m[1], true)
	wantBody(t, "after cancel", res, body, 200, "Anonymization cancelled")

	// Started again (the earlier run of the upload is replaced) and let
	// through: polling ends with the report.
	res, body = alice.post("/mydata/publish/run", form, true)
	wantBody(t, "running again", res, body, 202, `id="wizard-running"`)
	m2 := pollURL.FindStringSubmatch(body)
	if m2 == nil || m2[1] == m[1] {
		t.Fatalf("new run's poll URL %v, earlier %s", m2, m[1])
	}
	res, body = alice.get(m[1], true)
	wantBody(t, "replaced run", res, body, 404, "has ended")
	close(slow.release)
	res, body = alice.get(m2[1], true)
	res, body = followRun(t, res, body, func(path string) (*http.Response, string) { return alice.get(path, true) })
	wantBody(t, "report", res, body, 200, `id="verdict-pass"`, `id="report-histogram"`, `id="publish-form"`)
}

func TestRunProgress_percent(t *testing.T) {
	u := &wizardUpload{Name: "p.csv"}
	for _, tc := range []struct {
		p    app.AnonymizeProgress
		want int
		says string
	}{
		{app.AnonymizeProgress{}, 0, "Starting"},
		{app.AnonymizeProgress{Stage: "read", Bytes: 512 << 10, Size: 1 << 20}, 15, "Reading the file: 512.0 KiB of 1.0 MiB"},
		{app.AnonymizeProgress{Stage: "transform", Step: 1, Steps: 2, Transform: "safe-harbor"}, 30, "Step 1 of 2: removing"},
		{app.AnonymizeProgress{Stage: "transform", Step: 2, Steps: 2, Transform: "k-anonymity"}, 65, "Step 2 of 2: searching"},
	} {
		run := &wizardRun{Upload: u, progress: tc.p}
		got := run.status()
		if got.Percent != tc.want || !regexp.MustCompile(regexp.QuoteMeta(tc.says)).MatchString(got.Doing) {
			t.Errorf("%+v: %d%% %q, want %d%% %q", tc.p, got.Percent, got.Doing, tc.want, tc.says)
		}
	}
	// A release runs each table's steps: the line names the table.
	run := &wizardRun{Upload: u, Release: true, progress: app.AnonymizeProgress{Stage: "transform", Table: "Observation", Step: 1, Steps: 2, Transform: "safe-harbor"}}
	if got := run.status().Doing; !strings.HasPrefix(got, "Table Observation, step 1 of 2: removing") {
		t.Errorf("a release's progress says %q", got)
	}
}

// publishes notes whether each publish published the wizard run's output.
type publishes struct {
	*app.App
	withRunOutput []bool
}

func (p *publishes) Publish(ctx context.Context, who app.Actor, req app.PublishRequest) (app.Published, error) {
	out, err := p.App.Publish(ctx, who, req)
	p.withRunOutput = append(p.withRunOutput, out.FromPreview)
	return out, err
}

// Publishing after the report publishes what the report describes without
// anonymizing again; a form that asks for something else (another preset,
// other roles) is anonymized anew.
func TestPublishWizard_publishesTheRunsOutput(t *testing.T) {
	f := newMarketFixture(t)
	rec := &publishes{App: f.a}
	h, err := NewServer(slog.New(slog.DiscardHandler), rec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	f.srv = srv
	alice := f.signIn(t, "alice")
	csv, err := os.ReadFile(patientsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name    string
		publish url.Values // changes to the run's form
		reused  bool
	}{
		{"as run", nil, true},
		// Safe Harbor alone leaves the 27 patients unique: the publisher accepts that risk.
		{"another preset", url.Values{"preset": {"safe-harbor"}, "accept-risk": {"1"}, "accept-words": {"synthetic patients"}}, false},
		{"another role", url.Values{"role.GENDER": {"insensitive"}}, false},
	} {
		res, body := postMultipart(t, srv, "/mydata/publish/upload", map[string]string{"format": "csv"}, map[string]string{"file": string(csv)},
			http.Header{"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}, "Cookie": {alice.cookie.String()}})
		wantBody(t, tc.name+": step 2", res, body, 200, `id="wizard-rows"`)
		upload := regexp.MustCompile(`name="upload" value="([0-9a-f]{32})"`).FindStringSubmatch(body)[1]
		res, body = alice.run(url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}})
		wantBody(t, tc.name+": report", res, body, 200, `id="verdict-pass"`)
		form := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			form.Set(m[1], m[2])
		}
		for k, v := range map[string]string{"title": "Run output " + tc.name, "price": "0.01", "permission": "HMB", "duration": "30", "seats": "1", "format": "csv"} {
			form.Set(k, v)
		}
		for k, v := range tc.publish {
			form[k] = v
		}
		res, body = alice.post("/mydata/publish/", form, true)
		wantBody(t, tc.name+": published", res, body, 200, `id="published-link"`)
		if got := rec.withRunOutput[i]; got != tc.reused {
			t.Errorf("%s: published the run's output: %v, want %v", tc.name, got, tc.reused)
		}
	}
}

// endedPreviews holds every anonymization run until its context ends, and
// reports each run's end on ended.
type endedPreviews struct {
	*app.App
	started chan struct{}
	ended   chan error
}

func (s endedPreviews) PreviewAnonymization(ctx context.Context, req app.PreviewRequest) (app.PreviewResult, error) {
	if req.Preset == "" {
		return s.App.PreviewAnonymization(ctx, req)
	}
	s.started <- struct{}{}
	<-ctx.Done()
	s.ended <- ctx.Err()
	return app.PreviewResult{}, ctx.Err()
}

// A wizard run does not outlive the server: when the server's context ends,
// the run is cancelled (its anonymization sees context.Canceled and
// returns), whoever started it.
func TestPublishWizard_runsEndWithTheServer(t *testing.T) {
	f := newMarketFixture(t)
	svc := endedPreviews{App: f.a, started: make(chan struct{}, 1), ended: make(chan error, 1)}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	h, err := NewServer(slog.New(slog.DiscardHandler), svc, Options{RunWait: -1, Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	defer f.srv.Close()
	alice := f.signIn(t, "alice")
	upload := alice.uploadCSV(t, smallPatients, "step 2", `id="wizard-rows"`)
	res, body := alice.post("/mydata/publish/run", url.Values{"upload": {upload}, "preset": {"safe-harbor-k5"}}, true)
	wantBody(t, "running", res, body, 202, `id="wizard-running"`)
	<-svc.started
	select {
	case err := <-svc.ended:
		t.Fatalf("the run ended before the server: %v", err)
	default:
	}
	stop()
	if err := <-svc.ended; err != context.Canceled {
		t.Errorf("the run ended with %v, want context.Canceled", err)
	}
}
