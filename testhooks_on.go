//go:build medmarket_testhooks

package main

import (
	"fmt"
	"os"

	"github.com/medmarket/medmarket/app"
)

// lightScrypt says whether new keys use scrypt's light parameters.
func (c *cli) lightScrypt() bool { return c.getenv(envLightScrypt) == "1" }

// installTestHooks sets the hooks the environment asks for on a: with
// envCrashAt, the process kills itself at that publish step, as a power cut
// would (os.Process.Kill is SIGKILL on Unix, TerminateProcess on Windows).
func (c *cli) installTestHooks(a *app.App) {
	step := c.getenv(envCrashAt)
	if step == "" {
		return
	}
	a.SetPublishHook(func(s string) error {
		if s == step {
			fmt.Fprintf(c.stderr, "CRASH AT %s\n", s)
			p, err := os.FindProcess(os.Getpid())
			if err == nil {
				err = p.Kill()
			}
			if err != nil { // no crash after all: fail the step instead of hanging
				return fmt.Errorf("crash at %s: %w", s, err)
			}
			select {} // the kill is asynchronous: go no further
		}
		return nil
	})
}
