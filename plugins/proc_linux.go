package plugins

import "syscall"

// sysProcAttr kills a plugin when the host dies, even by SIGKILL: the kernel
// sends the child SIGKILL when its parent thread exits. (Go threads live as
// long as the process unless a goroutine exits while locked to one.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
