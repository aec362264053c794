package chaintest

import "syscall"

// dieWithParent makes the kernel kill geth when the test process dies, so a
// test binary killed on timeout leaves no geth behind.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
