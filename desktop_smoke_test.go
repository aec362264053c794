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
// background with dark text on it, not a black or empty window.
func pageShown(img image.Image) (bool, string) {
	b := img.Bounds()
	var light, dark, total int
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
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
	lf, df := float64(light)/float64(total), float64(dark)/float64(total)
	return lf > 0.3 && df > 0.002 && df < 0.6, fmt.Sprintf("light %.0f%%, dark %.1f%%", lf*100, df*100)
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
	out := strings.Fields(mustRun(t, env, "publish", "--as", "seller", "--in", patientsCSV, "--preset", "safe-harbor",
		"--title", "Synthea patients for the desktop", "--price", "0.01", "--terms", "HMB"))
	id := out[len(out)-1]
	mustRun(t, env, "buy", "--as", "patient", id, "--yes")
	reference := filepath.Join(t.TempDir(), "reference.csv")
	mustRun(t, env, "download", "--as", "patient", id, "--out", reference)
	saveTo := filepath.Join(t.TempDir(), "saved-from-the-window.csv")

	cmd := exec.Command(bin, "desktop", "--data", dir, "--log-level", "debug", "--public-addr", "127.0.0.1:0")
	cmd.Env = []string{"DISPLAY=" + display, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
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
	served := func(path string) func() bool {
		return func() bool { return strings.Contains(logs.String(), "path="+path+" status=200") }
	}

	// The node serves the provider API on its own listener, announced as
	// its provider URL: what the window publishes for "this node" answers.
	var announced string
	waitFor(t, "the provider listener", 60*time.Second, func() bool {
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
	waitFor(t, "the page and its script", 60*time.Second, served("/static/app.js"))
	win := x(t, display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^medmarket$")
	win = strings.Fields(win)[0]
	time.Sleep(time.Second) // let WebKit paint
	if ok, why := pageShown(screenshot(t, display, "desktop-home.png")); !ok {
		t.Fatalf("the window does not show the page (%s)", why)
	}

	// Keyboard only, so the test does not depend on fonts or layout: the
	// second focusable element is the "My data" link, which asks for the
	// passphrase (focused), then opens with the file button focused.
	x(t, display, "xdotool", "windowfocus", "--sync", win)
	x(t, display, "xdotool", "key", "--window", win, "Tab", "Tab", "Return")
	waitFor(t, "the sign-in page", 10*time.Second, served("/signin/"))
	time.Sleep(500 * time.Millisecond)
	x(t, display, "xdotool", "type", "--delay", "20", "open sesame")
	x(t, display, "xdotool", "key", "--window", win, "Return")
	waitFor(t, "the My data page", 10*time.Second, served("/mydata/"))
	time.Sleep(time.Second)
	x(t, display, "xdotool", "key", "--window", win, "Return")

	// The bound Go method opens the native dialog; type the path into it.
	dlg := x(t, display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^Choose patient records$")
	dlg = strings.Fields(dlg)[0]
	time.Sleep(time.Second) // GTK realizes the dialog's widgets after mapping it
	x(t, display, "xdotool", "windowfocus", "--sync", dlg)
	x(t, display, "xdotool", "key", "ctrl+l")
	time.Sleep(300 * time.Millisecond)
	x(t, display, "xdotool", "type", "--delay", "20", records)
	time.Sleep(300 * time.Millisecond)
	screenshot(t, display, "desktop-dialog.png")
	x(t, display, "xdotool", "key", "Return")

	waitFor(t, "the bound method's log line", 15*time.Second, func() bool {
		return strings.Contains(logs.String(), `msg="desktop: data file chosen" path=`+records+" size=20 format=csv")
	})
	// The chosen file opens the publish wizard where it lies: no upload.
	waitFor(t, "the wizard on the chosen file", 10*time.Second, served("/mydata/publish/local"))
	time.Sleep(500 * time.Millisecond)
	screenshot(t, display, "desktop-mydata.png")

	// The catalog (Alt+C, the Catalog link's access key) shows the listing.
	x(t, display, "xdotool", "windowfocus", "--sync", win)
	x(t, display, "xdotool", "key", "alt+c")
	waitFor(t, "the catalog with the listing", 10*time.Second, func() bool {
		return strings.Contains(logs.String(), `msg="catalog search" q="" results=1 total=1`)
	})
	time.Sleep(time.Second)
	screenshot(t, display, "desktop-catalog.png")

	// The search field has the focus; past the closed filters comes the
	// listing's link, which opens its card.
	x(t, display, "xdotool", "key", "--window", win, "Tab", "Tab", "Return")
	waitFor(t, "the dataset card", 10*time.Second, served("/catalog/"+id+"/"))
	time.Sleep(time.Second)
	// Alt+D (the download link's access key) asks the native save dialog
	// where to put the file; the node decrypts it there.
	x(t, display, "xdotool", "key", "alt+d")
	dlg = x(t, display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^Save the dataset$")
	dlg = strings.Fields(dlg)[0]
	time.Sleep(time.Second)
	x(t, display, "xdotool", "windowfocus", "--sync", dlg)
	x(t, display, "xdotool", "key", "ctrl+a")
	x(t, display, "xdotool", "type", "--delay", "20", saveTo)
	time.Sleep(300 * time.Millisecond)
	screenshot(t, display, "desktop-save-dialog.png")
	x(t, display, "xdotool", "key", "Return")
	waitFor(t, "the saved dataset", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), `msg="dataset saved" listing=`+id+" path="+saveTo)
	})
	got, err := os.ReadFile(saveTo)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := os.ReadFile(reference); !bytes.Equal(got, want) || len(want) == 0 {
		t.Errorf("the window saved %d bytes, the CLI downloaded %d: not the same file", len(got), len(want))
	}
	time.Sleep(500 * time.Millisecond)
	screenshot(t, display, "desktop-saved.png")

	// SIGTERM closes the window and the data dir cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("desktop exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the desktop app did not exit on SIGTERM")
	}
}
