package e2e_test

import "syscall"

// killedWithParent makes the kernel kill a worker process when the test
// binary dies (a `go test -timeout` panic skips t.Cleanup), so no worker
// outlives its test.
func killedWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
