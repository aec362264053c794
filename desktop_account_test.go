package main

import (
	"os"
	"os/exec"
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
	d := &desktopWindow{t: t, display: display, logs: logs}
	waitFor(t, "the page and its script", 2*time.Minute, d.served("/static/app.js"))
	d.win = waitWindow(t, display, "^medmarket$")
	waitPainted(t, display, nil)

	// My data asks for sign-in; the fresh node offers to create an account.
	d.focus(d.win)
	before := grab(t, display)
	d.key("Tab", "Tab", "Return")
	waitFor(t, "the sign-in page", 2*time.Minute, d.served("/signin/"))
	waitPainted(t, display, before)
	actUntil(t, "the create-account page", 3*time.Minute, 30*time.Second, func() {
		before = grab(t, display)
		d.key("alt+n")
	}, d.served("/accounts/new/"))
	waitPainted(t, display, before)
	d.typeText("patient")
	d.key("Tab")
	d.typeText("river granite lamp 7")
	waitFor(t, "the strength shown as typed", 2*time.Minute, d.served("/accounts/strength"))
	d.key("Tab")
	d.typeText("river granite lamp 7")
	waitPainted(t, display, nil)
	before = grab(t, display)
	d.key("Return")
	waitFor(t, "the new account signed in to My data", 2*time.Minute, func() bool {
		return d.logged(`msg="account created" name=patient`)() && d.served("/mydata/")()
	})
	waitPainted(t, display, before)
	screenshot(t, display, "desktop-account-created.png")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("desktop exit: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the desktop app did not exit on SIGTERM")
	}
}
