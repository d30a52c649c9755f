//go:build !linux

package chaos

import "syscall"

// killedWithParent has no kernel help outside Linux: the run stops its
// processes when it ends.
func killedWithParent() *syscall.SysProcAttr { return nil }
