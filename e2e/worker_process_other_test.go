//go:build !linux

package e2e_test

import "syscall"

// killedWithParent has no kernel help outside Linux: t.Cleanup alone kills
// worker processes.
func killedWithParent() *syscall.SysProcAttr { return nil }
