package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Deadline is the durable timer of a workflow whose loop waits, pass after
// pass, for either its next action or its next deadline (an order's ship-by
// date, a quote's expiry). The timer is started once per deadline and kept
// across passes while the deadline stays the same; it is cancelled when the
// deadline moves or goes away. So a workflow has one pending timer at a time,
// and no timer left behind by a wait that an action ended wakes it later for
// nothing.
//
// workflow.AwaitWithTimeout, which the loops used before, starts a timer per
// call and, in this SDK (v1.50), leaves it pending when the condition ends the
// wait: the SDK cancels it only under SDKFlagCancelAwaitTimerOnCondition,
// which it does not set for new histories.
type Deadline struct {
	name   string
	at     time.Time
	timer  workflow.Future
	cancel workflow.CancelFunc
}

// Set makes the deadline name at the time at; "" for no deadline. The
// pending timer is kept when it is for the same deadline; otherwise it is
// cancelled and, for a deadline, a timer started that fires at at (at once
// when at has passed). Its summary, the deadline's name, is what ops see of it
// in the Temporal UI.
func (d *Deadline) Set(ctx workflow.Context, name string, at time.Time) {
	if d.timer != nil && d.name == name && d.at.Equal(at) {
		return
	}
	d.Stop()
	if name == "" {
		return
	}
	timerCtx, cancel := workflow.WithCancel(ctx)
	d.name, d.at, d.cancel = name, at, cancel
	d.timer = workflow.NewTimerWithOptions(timerCtx, Until(ctx, at), workflow.TimerOptions{Summary: name})
}

// Stop cancels the pending timer, if there is one.
func (d *Deadline) Stop() {
	if d.cancel != nil {
		d.cancel() // a timer that fired already is not cancelled again
	}
	*d = Deadline{}
}

// Await blocks until ready says so or the deadline set passes, and says
// whether it was the deadline. ready goes first when both are true: the
// deadline's timer is kept, and the next wait on the same deadline returns at
// once. A deadline that passed is spent: the next Set starts a new timer.
func (d *Deadline) Await(ctx workflow.Context, ready func() bool) (passed bool, err error) {
	if err := workflow.Await(ctx, func() bool { return ready() || d.passed() }); err != nil {
		return false, err
	}
	if ready() {
		return false, nil
	}
	d.Stop()
	return true, nil
}

func (d *Deadline) passed() bool { return d.timer != nil && d.timer.IsReady() }

// Until is how long from the workflow's now until at, at least a millisecond:
// a deadline that has passed still fires through a timer, as it always did.
func Until(ctx workflow.Context, at time.Time) time.Duration {
	return max(at.Sub(workflow.Now(ctx)), time.Millisecond)
}
