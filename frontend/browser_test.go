package frontend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

const chromiumPath = "/usr/bin/chromium"

// newBrowser starts Debian's Chromium headless with a fresh profile and no
// background networking (this machine has no internet), and collects every
// console error and uncaught exception so a CSP violation fails the test.
func newBrowser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		chaintest.Missing(t, "browser test needs %s (apt-get install chromium; build/test.sh installs it)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })

	if err := chromedp.Do(ctx); err != nil { // start the browser now, so the timeouts below measure pages only
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			expected := strings.Contains(m.Text, "status of 422") // the refused rename below
			if !expected && (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException()) {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), problems...) }
}

func TestBrowser_navigateSectionsAndRenameNode(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, a := newTestServer(t)
	if _, err := a.CreateAccount(t.Context(), "patient", "let me in"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`//h1[contains(., "Health data")]`),
	); err != nil {
		t.Fatalf("home page: %v", err)
	}
	saveScreenshot(t, ctx, "web-home.png")

	// A private section asks for sign-in first, then opens.
	if err := chromedp.Do(ctx,
		chromedp.Click(`//nav//a[contains(., "My data")]`),
		chromedp.WaitVisible(`//main//h1[.="Sign in"]`),
		chromedp.SetValue(`#signin input[name=account]`, "patient"),
		chromedp.SetValue(`#signin input[name=passphrase]`, "let me in"),
		chromedp.Click(`#signin button[type=submit]`),
		chromedp.WaitVisible(`//main//h1[.="My data"]`),
		chromedp.WaitVisible(`//li[@id="session"]//small[.="patient"]`),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}

	// Each section through the navigation: htmx (hx-boost) swaps #main and
	// pushes the URL, so the page never fully reloads.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__loaded = "first"`)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ link, path, h1 string }{
		{"My data", "/mydata/", "My data"},
		{"Catalog", "/catalog/", "Catalog"},
		{"Trials", "/trials/", "Trials"},
		{"Status", "/status/", "Node status"},
	} {
		if err := chromedp.Do(ctx,
			chromedp.Click(fmt.Sprintf(`//nav//a[contains(., %q)]`, s.link)),
			chromedp.WaitVisible(fmt.Sprintf(`//main//h1[.=%q]`, s.h1)),
		); err != nil {
			t.Fatalf("%s: %v", s.link, err)
		}
		url := must(chromedp.Run(ctx, chromedp.Location()))(t)
		title := must(chromedp.Run(ctx, chromedp.Title()))(t)
		current := must(chromedp.Run(ctx, chromedp.Text(`nav a[aria-current="page"]`)))(t)
		marker := must(chromedp.Run(ctx, chromedp.Evaluate[string](`window.__loaded || "reloaded"`)))(t)
		if url != srv.URL+s.path {
			t.Errorf("%s: at %s, want %s", s.link, url, srv.URL+s.path)
		}
		if !strings.HasPrefix(title, s.link) {
			t.Errorf("%s: title %q", s.link, title)
		}
		if !strings.Contains(current, s.link) {
			t.Errorf("%s: current nav entry %q", s.link, current)
		}
		if marker != "first" {
			t.Errorf("%s: the page fully reloaded instead of an htmx swap", s.link)
		}
	}

	// An htmx form: the node card is swapped with the new name; a refused
	// name shows its reason in place.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#node-card input[name=name]`, "Cardiology research group"),
		chromedp.Click(`#node-card button[type=submit]`),
		chromedp.WaitVisible(`//strong[@id="node-name"][.="Cardiology research group"]`),
	); err != nil {
		t.Fatalf("rename node: %v", err)
	}
	saveScreenshot(t, ctx, "web-status.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#node-card input[name=name]`, strings.Repeat("n", 70)),
		chromedp.Click(`#node-card button[type=submit]`),
		chromedp.WaitVisible(`#node-name-problem`),
	); err != nil {
		t.Fatalf("refused rename: %v", err)
	}
	if problem := must(chromedp.Run(ctx, chromedp.Text(`#node-name-problem`)))(t); !strings.Contains(problem, "at most 64") {
		t.Errorf("refusal reason %q", problem)
	}

	// The browser shows the desktop-only file button only in the desktop window.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/mydata/"), chromedp.WaitVisible(`//h1[.="My data"]`)); err != nil {
		t.Fatal(err)
	}
	if must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("choose-file").offsetParent !== null`)))(t) {
		t.Error("the desktop-only file button is visible in a browser")
	}

	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// must turns a (value, error) pair into the value, failing the test on error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// saveScreenshot writes a screenshot into build/screenshots, where the README
// shows it, and into the test's log.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := must(chromedp.Run(ctx, chromedp.FullScreenshot(90)))(t)
	dir := filepath.Join("..", "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
