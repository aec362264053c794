//go:build !medmarket_testhooks

package main

import "github.com/medmarket/medmarket/app"

// lightScrypt is false: the shipped binary encrypts every key with standard scrypt.
func (c *cli) lightScrypt() bool { return false }

// installTestHooks does nothing: the shipped binary has no test hooks
// (testhooks.go).
func (c *cli) installTestHooks(*app.App) {}
