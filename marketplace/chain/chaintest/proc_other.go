//go:build !linux

package chaintest

import "syscall"

func dieWithParent() *syscall.SysProcAttr { return nil }
