package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// desktopTags are the build tags of the desktop window (cgo, GTK 3, WebKitGTK 4.1).
const desktopTags = "desktop,production,webkit2_41"

// desktopBinary returns the desktop build: MEDMARKET_DESKTOP_BIN when the test
// command built it already, otherwise a fresh build.
func desktopBinary(t *testing.T) string {
	if bin := os.Getenv("MEDMARKET_DESKTOP_BIN"); bin != "" {
		return bin
	}
	if err := exec.Command("pkg-config", "--exists", "gtk+-3.0", "webkit2gtk-4.1").Run(); err != nil {
		chaintest.Missing(t, "desktop smoke test needs GTK 3 and WebKitGTK 4.1 (apt-get install libgtk-3-dev libwebkit2gtk-4.1-dev; build/test.sh installs them)")
	}
	return buildBinary(t, desktopTags, "CGO_ENABLED=1")
}

// startXvfb starts a virtual X display and returns its name, e.g. ":5".
func startXvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			chaintest.Missing(t, "desktop smoke test needs %s (apt-get install xvfb xdotool imagemagick; build/test.sh installs them)", tool)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -displayfd: Xvfb picks a free display and writes its number to fd 3.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x900x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		// Xvfb runs until killed (a kill fails only if it is gone already);
		// Wait reaps it and reports the kill.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb did not report its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// x runs an X tool on the display and returns its trimmed output; a tool
// still waiting after 30 s (xdotool search --sync for a window that never
// shows) fails the test.
func x(t *testing.T, display string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return strings.TrimSpace(string(out))
}

// screenshot saves the whole display and returns the decoded image.
func screenshot(t *testing.T, display, name string) image.Image {
	t.Helper()
	dir := filepath.Join("build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	x(t, display, "import", "-window", "root", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	t.Logf("screenshot: %s", path)
	return img
}

// pageShown reports whether the window area holds a rendered page: a light
// background with dark text on it, not a black or empty (white) window.
func pageShown(img image.Image) (bool, string) {
	b := img.Bounds()
	var light, dark, total int
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r|g|bl == 0 {
				continue // the display's own black around the window
			}
			lum := (299*r + 587*g + 114*bl) / 1000 >> 8
			switch {
			case lum > 230:
				light++
			case lum < 90:
				dark++
			}
			total++
		}
	}
	if total == 0 {
		return false, "no window"
	}
	lf, df := float64(light)/float64(total), float64(dark)/float64(total)
	return lf > 0.3 && df > 0.002 && df < 0.6, fmt.Sprintf("light %.0f%%, dark %.1f%%", lf*100, df*100)
}

// grab captures the display as PNG bytes, saving nothing.
func grab(t *testing.T, display string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "import", "-window", "root", "png:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return out
}

// waitPainted waits until the display shows something other than before
// (for at most a while: the new page may look like the old one) and then
// holds still for two captures in a row: WebKit has painted what it was
// sent, however slowly a loaded machine lets it. before nil: any picture.
func waitPainted(t *testing.T, display string, before []byte) {
	t.Helper()
	changeBy := time.Now().Add(20 * time.Second)
	var last []byte
	waitFor(t, "the window to paint", 2*time.Minute, func() bool {
		cur := grab(t, display)
		changed := before == nil || !bytes.Equal(cur, before) || time.Now().After(changeBy)
		settled := changed && bytes.Equal(cur, last)
		last = cur
		return settled
	})
}

// findWindow returns the id of a visible window whose name matches the
// pattern, or "" while there is none.
func findWindow(t *testing.T, display, pattern string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "xdotool", "search", "--onlyvisible", "--name", pattern)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, _ := cmd.Output() // exit 1: no such window yet
	if f := strings.Fields(string(out)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// waitWindow waits for a visible window whose name matches the pattern and
// returns its id.
func waitWindow(t *testing.T, display, pattern string) string {
	t.Helper()
	var id string
	waitFor(t, "a window named "+pattern, 2*time.Minute, func() bool {
		id = findWindow(t, display, pattern)
		return id != ""
	})
	return id
}

// actUntil does act, then waits up to each for done, and acts again while
// done does not hold, until total has passed: keys sent before a loaded
// machine's WebKit has shown the page and focused its field are lost, and
// sent again.
func actUntil(t *testing.T, what string, total, each time.Duration, act func(), done func() bool) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		act()
		tick := time.NewTicker(50 * time.Millisecond)
		for until := time.Now().Add(each); !done() && time.Now().Before(until); {
			<-tick.C
		}
		tick.Stop()
		if done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", total, what)
		}
		t.Logf("%s: not yet after %v, acting again", what, each)
	}
}

// desktopWindow is a desktop process under test: its display, window and log.
type desktopWindow struct {
	t       *testing.T
	display string
	win     string
	logs    *syncBuffer
	cmd     *exec.Cmd
	done    chan error // the process's exit
}

// startDesktop starts `bin desktop args...` on display, with a fresh HOME,
// the PATH and env; its output goes to the window's log, shown if the test
// fails. The test ends it with stop.
func startDesktop(t *testing.T, bin, display string, env []string, args ...string) *desktopWindow {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"desktop"}, args...)...)
	cmd.Env = append([]string{"DISPLAY=" + display, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		// Only if the test stops early: the test ends it with SIGTERM, and a
		// kill of a finished process fails.
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("desktop log:\n%s", logs)
		}
	})
	return &desktopWindow{t: t, display: display, logs: logs, cmd: cmd, done: done}
}

// stop sends SIGTERM, which closes the window and the data dir cleanly, and
// waits a minute at most for a clean exit.
func (d *desktopWindow) stop() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		d.t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			d.t.Errorf("desktop exit: %v", err)
		}
	case <-time.After(time.Minute):
		d.t.Fatal("the desktop app did not exit on SIGTERM")
	}
}

// served reports whether the node answered GET path with 200.
func (d *desktopWindow) served(path string) func() bool {
	return func() bool { return strings.Contains(d.logs.String(), "path="+path+" status=200") }
}

// logged reports whether the log holds s.
func (d *desktopWindow) logged(s string) func() bool {
	return func() bool { return strings.Contains(d.logs.String(), s) }
}

// key sends keys to the window.
func (d *desktopWindow) key(keys ...string) {
	x(d.t, d.display, "xdotool", append([]string{"key", "--window", d.win}, keys...)...)
}

// typeText types s into whatever has the focus.
func (d *desktopWindow) typeText(s string) {
	x(d.t, d.display, "xdotool", "type", "--delay", "20", s)
}

// focus gives the keyboard focus to window id.
func (d *desktopWindow) focus(id string) {
	x(d.t, d.display, "xdotool", "windowfocus", "--sync", id)
}

// shot saves a screenshot once the window has stopped changing.
func (d *desktopWindow) shot(name string) image.Image {
	waitPainted(d.t, d.display, nil)
	return screenshot(d.t, d.display, name)
}

func TestDesktop_windowShowsPageAndBoundMethodWorks(t *testing.T) {
	bin := desktopBinary(t)
	display := startXvfb(t)
	dir := t.TempDir()
	records := filepath.Join(t.TempDir(), "records.csv")
	if err := os.WriteFile(records, []byte("patient,zip\n1,02139\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The window's user ("patient", first in the sign-in list) holds a
	// licence to a dataset another account listed; the window asks for the
	// passphrase once.
	env := map[string]string{envData: dir, envPassphrase: "open sesame", envLightScrypt: "1"}
	mustRun(t, env, "account", "new", "--name", "patient")
	mustRun(t, env, "account", "new", "--name", "seller")
	mustRun(t, env, "chain", "fund", "patient", "1")
	mustRun(t, env, "chain", "fund", "seller", "1")
	out := strings.Fields(mustRun(t, env, "publish", "--as", "seller", "--in", patientsCSV, "--preset", "safe-harbor-k5",
		"--title", "Synthea patients for the desktop", "--price", "0.01", "--terms", "HMB"))
	id := out[len(out)-1]
	mustRun(t, env, "buy", "--as", "patient", id, "--yes")
	reference := filepath.Join(t.TempDir(), "reference.csv")
	mustRun(t, env, "download", "--as", "patient", id, "--out", reference)
	saveTo := filepath.Join(t.TempDir(), "saved-from-the-window.csv")

	d := startDesktop(t, bin, display, nil, "--data", dir, "--log-level", "debug", "--public-addr", "127.0.0.1:0")
	logs := d.logs

	// The node serves the provider API on its own listener, announced as
	// its provider URL: what the window publishes for "this node" answers.
	var announced string
	waitFor(t, "the provider listener", 2*time.Minute, func() bool {
		m := regexp.MustCompile(`provider API on (\S+), announced as (\S+)`).FindStringSubmatch(logs.String())
		if m != nil && m[2] == "http://"+m[1]+"/" {
			announced = m[2]
		}
		return announced != ""
	})
	if key := httpGet(t, announced+"provider/v1/key"); !strings.Contains(key, "0x") {
		t.Errorf("the desktop's provider API answers %q", key)
	}

	// The window appears and loads the page and its assets from our handler.
	waitFor(t, "the page and its script", 2*time.Minute, d.served("/static/app.js"))
	d.win = waitWindow(t, display, "^medmarket$")
	var why string
	waitFor(t, "the window to show the page", 2*time.Minute, func() bool {
		img, err := png.Decode(bytes.NewReader(grab(t, display)))
		if err != nil {
			t.Fatal(err)
		}
		var ok bool
		ok, why = pageShown(img)
		return ok
	})
	if ok, _ := pageShown(d.shot("desktop-home.png")); !ok {
		t.Fatalf("the window does not show the page (%s)", why)
	}

	desktopSignInAndChooseFile(d, records)
	desktopFindAndSave(d, id, saveTo)
	got, err := os.ReadFile(saveTo)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := os.ReadFile(reference); !bytes.Equal(got, want) || len(want) == 0 {
		t.Errorf("the window saved %d bytes, the CLI downloaded %d: not the same file", len(got), len(want))
	}
	screenshot(t, display, "desktop-saved.png")

	d.stop()
}

// desktopSignInAndChooseFile drives the keyboard only, so the test does not
// depend on fonts or layout: the second focusable element is the "My data"
// link, which asks for the passphrase (focused), then opens with the file
// button focused; the bound Go method opens the native dialog, and the
// chosen file opens the publish wizard where it lies: no upload.
func desktopSignInAndChooseFile(d *desktopWindow, records string) {
	t := d.t
	desktopSignIn(d)
	var before []byte
	var dlg string
	actUntil(t, "the file dialog", 3*time.Minute, 30*time.Second, func() { d.key("Return") }, func() bool {
		dlg = findWindow(t, d.display, "^Choose patient records$")
		return dlg != ""
	})
	chosen := `msg="desktop: data file chosen" path=` + records + " size=20 format=csv"
	actUntil(t, "the bound method's log line", 3*time.Minute, 30*time.Second, func() {
		d.focus(dlg)
		x(t, d.display, "xdotool", "key", "ctrl+l", "ctrl+a")
		d.typeText(records)
		d.shot("desktop-dialog.png")
		before = grab(t, d.display)
		x(t, d.display, "xdotool", "key", "Return")
	}, d.logged(chosen))
	waitFor(t, "the wizard on the chosen file", 2*time.Minute, d.served("/mydata/publish/local"))
	waitPainted(t, d.display, before)
	screenshot(t, d.display, "desktop-mydata.png")
}

// desktopSignIn opens My data from the home page (the second focusable
// element) and signs in the first account listed with the passphrase "open
// sesame"; My data then shows with the file button focused.
func desktopSignIn(d *desktopWindow) {
	t := d.t
	d.focus(d.win)
	before := grab(t, d.display)
	d.key("Tab", "Tab", "Return")
	waitFor(t, "the sign-in page", 2*time.Minute, d.served("/signin/"))
	waitPainted(t, d.display, before)
	actUntil(t, "the My data page", 3*time.Minute, 30*time.Second, func() {
		d.key("ctrl+a")
		d.typeText("open sesame")
		before = grab(t, d.display)
		d.key("Return")
	}, d.served("/mydata/"))
	waitPainted(t, d.display, before) // and the file button focused
}

// desktopFindAndSave opens the catalog (Alt+C, the Catalog link's access
// key), the listing's card (past the search field, which has the focus, and
// the closed filters), and saves the dataset (Alt+D, the download link's
// access key) where the native save dialog says; the node decrypts it there.
func desktopFindAndSave(d *desktopWindow, id, saveTo string) {
	t := d.t
	const searched = `msg="catalog search" q="" results=1 total=1`
	actUntil(t, "the dataset card", 3*time.Minute, 30*time.Second, func() {
		n := strings.Count(d.logs.String(), searched)
		d.focus(d.win)
		before := grab(t, d.display)
		d.key("alt+c")
		waitFor(t, "the catalog with the listing", 2*time.Minute, func() bool { return strings.Count(d.logs.String(), searched) > n })
		waitPainted(t, d.display, before)
		screenshot(t, d.display, "desktop-catalog.png")
		d.key("Tab", "Tab", "Return")
	}, d.served("/catalog/"+id+"/"))
	waitPainted(t, d.display, nil)

	var dlg string
	var before []byte
	actUntil(t, "the save dialog", 3*time.Minute, 30*time.Second, func() { d.key("alt+d") }, func() bool {
		dlg = findWindow(t, d.display, "^Save the dataset$")
		return dlg != ""
	})
	actUntil(t, "the saved dataset", 3*time.Minute, 30*time.Second, func() {
		d.focus(dlg)
		x(t, d.display, "xdotool", "key", "ctrl+a")
		d.typeText(saveTo)
		d.shot("desktop-save-dialog.png")
		before = grab(t, d.display)
		x(t, d.display, "xdotool", "key", "Return")
	}, d.logged(`msg="dataset saved" listing=`+id+" path="+saveTo))
	waitPainted(t, d.display, before)
}
