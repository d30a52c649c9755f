package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// process is one OS process of the system under test (a Temporal dev server,
// `orderflow serve`, `orderflow worker`, the ERP sandbox), started again and
// again from the same command line: after the run's kill -9 by kill and
// start, and by itself one second after it exited on its own (an API or
// worker started while Temporal is down gives up at once, as it would under a
// process supervisor).
type process struct {
	kind, name string
	path       string
	args, env  []string
	log        io.Writer
	// exits counts the process's exits the run did not cause.
	exits func(kind string)

	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has been waited for
	expected bool          // the run killed or stopped it
	stopping bool          // the run is over: no more restarts
}

// start starts the process unless it runs already.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping || (p.cmd != nil && !isClosed(p.exited)) {
		return nil
	}
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = p.log, p.log
	cmd.SysProcAttr = killedWithParent()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	fmt.Fprintf(p.log, "--- chaos: %s started, pid %d\n", p.name, cmd.Process.Pid)
	exited := make(chan struct{})
	p.cmd, p.exited, p.expected = cmd, exited, false
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		expected, stopping := p.expected, p.stopping
		close(exited)
		p.mu.Unlock()
		fmt.Fprintf(p.log, "--- chaos: %s (pid %d) exited: %v\n", p.name, cmd.Process.Pid, err)
		if expected || stopping {
			return
		}
		p.exits(p.kind)
		time.AfterFunc(time.Second, func() {
			if err := p.start(); err != nil {
				fmt.Fprintf(p.log, "--- chaos: restart %s: %v\n", p.name, err)
			}
		})
	}()
	return nil
}

// pid is the process's ID, 0 when it does not run.
func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || isClosed(p.exited) {
		return 0
	}
	return p.cmd.Process.Pid
}

// kill kills the process with SIGKILL, as a crash or the OOM killer would,
// and waits until it is gone. It tells whether there was a process to kill.
func (p *process) kill() (bool, error) {
	return p.signal(syscall.SIGKILL, false)
}

// stop ends the process for good: SIGTERM, then SIGKILL after 10 s.
func (p *process) stop() error {
	_, err := p.signal(syscall.SIGTERM, true)
	return err
}

func (p *process) signal(sig syscall.Signal, final bool) (bool, error) {
	p.mu.Lock()
	if final {
		p.stopping = true
	}
	cmd, exited := p.cmd, p.exited
	if cmd == nil || isClosed(exited) {
		p.mu.Unlock()
		return false, nil
	}
	p.expected = true
	p.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return false, fmt.Errorf("signal %s: %w", p.name, err)
	}
	select {
	case <-exited:
		return true, nil
	case <-time.After(10 * time.Second):
	}
	_ = cmd.Process.Kill()
	select {
	case <-exited:
		return true, nil
	case <-time.After(10 * time.Second):
		return true, fmt.Errorf("%s (pid %d) did not exit within 20 s", p.name, cmd.Process.Pid)
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// runToEnd runs a one-shot command (migrate, seed) and fails with its output.
func runToEnd(ctx context.Context, path string, env []string, log io.Writer, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = killedWithParent()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w (its output is in the run's logs)", path, args, err)
	}
	return nil
}
