package erpsync

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/workflows"
)

// erpActs are the ERP activities, referenced through a nil pointer.
var erpActs *erp.Activities

// erpRefusedType is the error type of the ERP's refusal of an order (a 4xx
// answer), which no retry can change: PushOrder fails with it non-retryably.
const erpRefusedType = erp.ErrorTypeRefused

// pushTimeout bounds one push: two ERP calls (look the order up, create it
// when missing), each with its quick retries and at most ERP_TIMEOUT (30 s by
// default) a try; a push that hangs longer is given up on and made again.
const pushTimeout = 2 * time.Minute

// ErpOrder pushes one order to the ERP. The push is one activity that retries
// with backoff for the retry budget, so an ERP outage of hours delays the
// order, nothing more; the activity is idempotent (looked up by our reference,
// created with an idempotency key from the order ID), so its retries create the
// order once. When the budget is
// spent, or the ERP refuses the order, the push turns stuck and waits for ops:
// RetrySignal pushes again with a fresh budget, CancelSignal gives up.
func ErpOrder(ctx workflow.Context, in Input) (State, error) {
	w := &pushRun{in: in, st: State{Status: erp.SyncPending}}
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	if err := w.readPolicy(ctx); err != nil {
		return State{}, err
	}
	return w.run(ctx)
}

// pushPolicyVersion marks the pushes that read the worker's push policy at
// their start; pushes begun before that use the built-in defaults.
const pushPolicyVersion = "push-policy"

// readPolicy fills what the input leaves open of the retry budget and the
// backoff ceiling from the worker's configuration (ERP_RETRY_BUDGET,
// ERP_RETRY_MAX_INTERVAL), read once by a local activity so that a replay
// sees the policy the push started with.
func (w *pushRun) readPolicy(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, pushPolicyVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	if w.in.RetryBudget > 0 && w.in.MaxInterval > 0 {
		return nil
	}
	p, err := workflows.CallLocal(workflow.WithLocalActivityOptions(ctx, workflows.LocalStepOptions), erpActs.ReadPushPolicy, struct{}{})
	if err != nil {
		return err
	}
	if w.in.RetryBudget <= 0 {
		w.in.RetryBudget = p.RetryBudget
	}
	if w.in.MaxInterval <= 0 {
		w.in.MaxInterval = p.MaxInterval
	}
	return nil
}

// pushRun is one order's push.
type pushRun struct {
	in Input
	st State
	// stuckSince is when (workflow time) the push last turned stuck.
	stuckSince time.Time
	retry      workflow.ReceiveChannel
	cancel     workflow.ReceiveChannel
}

func (w *pushRun) setup(ctx workflow.Context) error {
	w.retry = workflow.GetSignalChannel(ctx, RetrySignal)
	w.cancel = workflow.GetSignalChannel(ctx, CancelSignal)
	return workflow.SetQueryHandlerWithOptions(ctx, StatusQuery, func() (State, error) { return w.st, nil },
		workflow.QueryHandlerOptions{Description: "The push's status, attempts, the ERP's order number and the last error."})
}

func (w *pushRun) run(ctx workflow.Context) (State, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflows.LocalStepOptions)
	for {
		w.st.Attempts++
		if err := w.turn(ctx, erp.SyncPending); err != nil {
			return w.st, err
		}
		res, err := w.push(ctx)
		if err == nil {
			w.st.ERPNumber, w.st.LastError = res.ERPNumber, ""
			return w.st, w.turn(ctx, erp.SyncSynced)
		}
		if temporal.IsCanceledError(ctx.Err()) {
			return w.st, w.cancelled(ctx)
		}
		w.st.LastError = w.reason(err)
		w.stuckSince = workflow.Now(ctx)
		if err := w.turn(ctx, erp.SyncStuck); err != nil {
			return w.st, err
		}
		retry, err := w.awaitOps(ctx)
		if err != nil {
			return w.st, err
		}
		if !retry {
			return w.st, w.turn(ctx, erp.SyncCancelled)
		}
	}
}

// pushLocalFirstChange is the change that makes a push's first try a local
// activity; pushes begun before it replay with the regular activity alone.
const pushLocalFirstChange = "push-local-first"

// push gives the order to the ERP. The first push tries once as a local
// activity, in the workflow task that starts the push: with the ERP answering,
// the push is one workflow task, with no activity task to dispatch and no
// second workflow task to take its result (the worker and its slots are the
// ERP task queue's either way, so a slow ERP still holds up nothing else).
// When that try fails in a way a retry may mend (not the ERP's refusal, not
// input that can never be stored), or on any later push, it is a regular activity on the ERP task queue, retried with
// backoff until it succeeds, the ERP refuses the order, or the retry budget is
// spent. PushOrder is idempotent (looked up by reference, created with the
// order's idempotency key), so the regular activity after a try whose answer
// was lost creates nothing twice.
func (w *pushRun) push(ctx workflow.Context) (erp.PushOrderResult, error) {
	in := erp.PushOrderInput{OrderID: w.in.OrderID, Attempt: w.st.Attempts, Repush: w.in.Repush}
	if w.st.Attempts == 1 && workflow.GetVersion(ctx, pushLocalFirstChange, workflow.DefaultVersion, 1) == 1 {
		res, err := workflows.CallLocal(workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: pushTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
			Summary:             "push 1, first try",
		}), erpActs.PushOrder, in)
		if err == nil || !retryable(err) || temporal.IsCanceledError(ctx.Err()) {
			return res, err
		}
		workflow.GetLogger(ctx).Info("the push's first try failed; retrying with backoff", "order_id", w.in.OrderID, "error", err)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              TaskQueue,
		StartToCloseTimeout:    pushTimeout,
		ScheduleToCloseTimeout: w.in.budget(),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        pushInitialInterval,
			BackoffCoefficient:     pushBackoffCoefficient,
			MaximumInterval:        w.in.maxInterval(),
			MaximumAttempts:        attemptCeiling(w.in.budget(), w.in.maxInterval()),
			NonRetryableErrorTypes: []string{erpRefusedType},
		},
		Summary: fmt.Sprintf("push %d", w.st.Attempts),
	})
	var res erp.PushOrderResult
	err := workflow.ExecuteActivity(ctx, erpActs.PushOrder, in).Get(ctx, &res)
	return res, err
}

// retryable says a failed try may succeed later: not the ERP's refusal of the
// order, nor input Postgres can never store (activities.Classify), which the
// regular activity would refuse the same way at once.
func retryable(err error) bool {
	var appErr *temporal.ApplicationError
	return !errors.As(err, &appErr) || (appErr.Type() != erpRefusedType && !appErr.NonRetryable())
}

// The push's backoff: 1 s doubling, at most the policy's MaxInterval apart (30
// min by default), so an ERP back after seconds is called again at once and one
// down all day is called twice an hour.
const (
	pushInitialInterval    = time.Second
	pushBackoffCoefficient = 2
)

// attemptCeiling is a bound on a push's attempts that the retry budget always
// reaches first: one more than the attempts that fit in the budget when each
// fails at once. The budget, not a count, ends the retries; the ceiling is
// stated because an unlimited count (0) means 10 in Temporal's test
// environment, which would end the retries there long before the budget.
func attemptCeiling(budget, maxInterval time.Duration) int32 {
	var elapsed time.Duration
	interval := pushInitialInterval
	attempts := int32(1)
	for elapsed <= budget {
		elapsed += interval
		attempts++
		interval = min(time.Duration(float64(interval)*pushBackoffCoefficient), maxInterval)
	}
	return attempts + 1
}

// awaitOps waits, stuck, for ops' decision: true for a retry, false for a
// cancel. Cancelling the workflow itself (the UI's cancel button) cancels the
// push too.
func (w *pushRun) awaitOps(ctx workflow.Context) (bool, error) {
	var retry, cancelled bool
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(w.retry, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); retry = true })
	sel.AddReceive(w.cancel, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { cancelled = true })
	sel.Select(ctx)
	if cancelled {
		return false, w.cancelled(ctx)
	}
	return retry, nil
}

// cancelled records a push cancelled with its workflow, and answers the
// cancellation, so the workflow ends cancelled.
func (w *pushRun) cancelled(ctx workflow.Context) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if err := w.turn(dctx, erp.SyncCancelled); err != nil {
		return err
	}
	return ctx.Err()
}

// turn records the push's new status in Postgres (erp_syncs: the API's view,
// and the ops notification when stuck), then in its search attribute and its
// current details.
func (w *pushRun) turn(ctx workflow.Context, status string) error {
	w.st.Status = status
	if err := workflows.RunLocal(ctx, erpActs.RecordSync, erp.RecordSyncInput{OrderID: w.in.OrderID, Status: status,
		Attempts: w.st.Attempts, LastError: w.st.LastError}); err != nil {
		return err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, StatusKey.ValueSet(status)); err != nil {
		return err
	}
	w.describe(ctx)
	return nil
}

// reason says why a push failed, for ops.
func (w *pushRun) reason(err error) string {
	cause := err
	var actErr *temporal.ActivityError
	if errors.As(err, &actErr) && actErr.Unwrap() != nil {
		cause = actErr.Unwrap()
	}
	var appErr *temporal.ApplicationError
	if errors.As(cause, &appErr) && appErr.Type() == erpRefusedType {
		return "the ERP refused the order: " + appErr.Message()
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(cause, &timeoutErr) && timeoutErr.Unwrap() != nil {
		cause = timeoutErr.Unwrap()
	}
	msg := cause.Error()
	if errors.As(cause, &appErr) {
		msg = appErr.Message()
	}
	return fmt.Sprintf("retried for %s without success; last: %s", w.in.budget(), msg)
}

// describe says in words where the push is, and for a stuck one what ops can
// do, for the Temporal UI.
func (w *pushRun) describe(ctx workflow.Context) {
	var s string
	switch w.st.Status {
	case erp.SyncPending:
		s = fmt.Sprintf("pushing to the ERP (push %d), retrying for up to %s", w.st.Attempts, w.in.budget())
	case erp.SyncSynced:
		s = "synced: ERP order " + w.st.ERPNumber
	case erp.SyncStuck:
		s = fmt.Sprintf("STUCK since %s after push %d: %s. Ops: signal %q to push again (with a fresh %s budget) "+
			"once the cause is fixed, or %q to give up on this order's push.",
			w.stuckSince.Format(workflows.DetailsTime), w.st.Attempts, w.st.LastError, RetrySignal, w.in.budget(), CancelSignal)
	case erp.SyncCancelled:
		s = "cancelled: the order is not pushed to the ERP"
	}
	workflow.SetCurrentDetails(ctx, s)
}
