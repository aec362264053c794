package main

import (
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
	d := startDesktop(t, bin, display, []string{envLightScrypt + "=1"}, "--data", dir, "--log-level", "debug")
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

	d.stop()
}
