package chaos

import "syscall"

// killedWithParent makes the kernel kill a process of the run when the
// driver dies (a test's -timeout panic, a Ctrl-C'd make chaos killed hard),
// so none outlives it.
func killedWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
