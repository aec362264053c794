//go:build !medmarket_testhooks

package main

import "github.com/medmarket/medmarket/app"

// installTestHooks does nothing: the shipped binary has no test hooks
// (testhooks.go).
func (c *cli) installTestHooks(*app.App) {}
