package main

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A fresh data directory in the desktop window: no command line needed.
// From the sign-in page the user creates an account (Alt+N), typing the
// name and the passphrase twice, and is signed in to My data.
func TestDesktop_freshDataDirCreatesAnAccountInTheWindow(t *testing.T) {
	bin := desktopBinary(t)
	display := startXvfb(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "desktop", "--data", dir, "--log-level", "debug")
	cmd.Env = []string{"DISPLAY=" + display, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), envLightScrypt + "=1"}
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
	waitFor(t, "the page and its script", 60*time.Second, served("/static/app.js"))
	win := strings.Fields(x(t, display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^medmarket$"))[0]
	time.Sleep(time.Second) // let WebKit paint

	// My data asks for sign-in; the fresh node offers to create an account.
	x(t, display, "xdotool", "windowfocus", "--sync", win)
	x(t, display, "xdotool", "key", "--window", win, "Tab", "Tab", "Return")
	waitFor(t, "the sign-in page", 10*time.Second, served("/signin/"))
	time.Sleep(500 * time.Millisecond)
	x(t, display, "xdotool", "key", "--window", win, "alt+n")
	waitFor(t, "the create-account page", 10*time.Second, served("/accounts/new/"))
	time.Sleep(500 * time.Millisecond)
	x(t, display, "xdotool", "type", "--delay", "20", "patient")
	x(t, display, "xdotool", "key", "--window", win, "Tab")
	x(t, display, "xdotool", "type", "--delay", "20", "river granite lamp 7")
	waitFor(t, "the strength shown as typed", 10*time.Second, served("/accounts/strength"))
	x(t, display, "xdotool", "key", "--window", win, "Tab")
	x(t, display, "xdotool", "type", "--delay", "20", "river granite lamp 7")
	x(t, display, "xdotool", "key", "--window", win, "Return")
	waitFor(t, "the new account signed in to My data", 15*time.Second, func() bool {
		return strings.Contains(logs.String(), `msg="account created" name=patient`) && served("/mydata/")()
	})
	time.Sleep(2 * time.Second) // let WebKit paint My data
	screenshot(t, display, "desktop-account-created.png")

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
