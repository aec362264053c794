package s3test

import "syscall"

// dieWithParent makes the kernel kill versitygw when the test process dies, so a
// test binary killed on timeout leaves no versitygw behind.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
