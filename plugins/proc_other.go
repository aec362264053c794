//go:build !linux

package plugins

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; plugins are
// killed by Host.Close and plugin.CleanupClients.
func sysProcAttr() *syscall.SysProcAttr { return nil }
