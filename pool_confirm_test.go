//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the side a user types into and the
// terminal the program reads.
func openPTY(t *testing.T) (user, tty *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	unlock := 0
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, ptmx.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptmx, tty
}

// A join or withdrawal asks on a terminal and goes on only after a yes;
// without a terminal it names --yes; --yes asks nothing.
func TestCLI_poolConfirm(t *testing.T) {
	user, tty := openPTY(t)
	var stderr strings.Builder
	c := &cli{stdin: tty, stderr: &stderr}
	for _, answer := range []string{"y", "yes", "n", ""} {
		if _, err := user.WriteString(answer + "\n"); err != nil {
			t.Fatal(err)
		}
		err := c.confirm("Join pool \"P\" as pat?", "Not joined", false)
		if ok := answer == "y" || answer == "yes"; ok != (err == nil) {
			t.Errorf("answer %q: %v", answer, err)
		}
		if err != nil && (exitCode(err) != 2 || !strings.Contains(userMessage(err), "Not joined: not confirmed")) {
			t.Errorf("answer %q: exit %d, %v", answer, exitCode(err), err)
		}
	}
	if !strings.Contains(stderr.String(), "Join pool \"P\" as pat? [y/N] ") {
		t.Errorf("asked %q", stderr.String())
	}
	c.stdin = strings.NewReader("y\n")
	if err := c.confirm("Join?", "Not joined", false); err == nil || !strings.Contains(userMessage(err), "pass --yes") {
		t.Errorf("without a terminal: %v", err)
	}
	c.stdin = tty
	stderr.Reset()
	if err := c.confirm("Join?", "Not joined", true); err != nil || stderr.Len() != 0 {
		t.Errorf("--yes: %v, asked %q", err, stderr.String())
	}
}
