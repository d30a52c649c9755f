package erpsync_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

var (
	orderID   = uuid.MustParse("5b2c3d4e-6f70-4a8b-9cad-1e2f3a4b5c6d")
	companyID = uuid.MustParse("1c8e5a1f-4d2b-4d66-8b1f-6e2a3c8d0b02")
)

// erpDown is how the fake ERP fails while it is down: a retryable error, as
// PushOrder reports a 5xx.
var erpDown = temporal.NewApplicationError("ERP answered 503 Service Unavailable", "ErpUnavailable")

// pushRun is one push in a test environment whose ERP answers as its answer
// function says; it records every push attempt, sync record and search
// attribute.
type pushRun struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	start time.Time

	mu sync.Mutex
	// answer is the ERP's answer to a push attempt (numbered from 1 across
	// the whole run).
	answer   func(n int) (erp.PushOrderResult, error)
	pushes   []push
	records  []erp.RecordSyncInput
	statuses []string // every ErpSyncStatus upserted
}

// push is one PushOrder attempt as the fake ERP saw it.
type push struct {
	in              erp.PushOrderInput
	activityAttempt int32
	// local: the push's first try, a local activity.
	local bool
	at    time.Time
}

func newPushRun(t *testing.T, answer func(n int) (erp.PushOrderResult, error)) *pushRun {
	return newPushRunWithPolicy(t, erp.PushPolicy{}, answer)
}

// newPushRunWithPolicy is newPushRun on a worker configured with policy.
func newPushRunWithPolicy(t *testing.T, policy erp.PushPolicy, answer func(n int) (erp.PushOrderResult, error)) *pushRun {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	r := &pushRun{t: t, env: env, start: env.Now(), answer: answer}
	env.RegisterWorkflowWithOptions(erpsync.ErpOrder, workflow.RegisterOptions{Name: erpsync.WorkflowName})
	acts := &erp.Activities{Policy: policy}
	env.RegisterActivity(acts)
	env.OnActivity(acts.PushOrder, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in erp.PushOrderInput) (erp.PushOrderResult, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.pushes = append(r.pushes, push{in: in, activityAttempt: activity.GetInfo(ctx).Attempt,
				local: activity.GetInfo(ctx).IsLocalActivity, at: env.Now()})
			return r.answer(len(r.pushes))
		})
	env.OnActivity(acts.RecordSync, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.RecordSyncInput) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.records = append(r.records, in)
			return nil
		})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(erpsync.StatusKey); ok {
			r.mu.Lock()
			r.statuses = append(r.statuses, v)
			r.mu.Unlock()
		}
	}).Return(nil)
	return r
}

// setAnswer changes how the fake ERP answers from now on.
func (r *pushRun) setAnswer(answer func(n int) (erp.PushOrderResult, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer = answer
}

func (r *pushRun) execute(in erpsync.Input) erpsync.State {
	r.t.Helper()
	r.env.ExecuteWorkflow(erpsync.WorkflowName, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	require.NoError(r.t, r.env.GetWorkflowError())
	var st erpsync.State
	require.NoError(r.t, r.env.GetWorkflowResult(&st))
	return st
}

func (r *pushRun) query() erpsync.State {
	r.t.Helper()
	v, err := r.env.QueryWorkflow(erpsync.StatusQuery)
	require.NoError(r.t, err)
	var st erpsync.State
	require.NoError(r.t, v.Get(&st))
	return st
}

func (r *pushRun) seen() ([]push, []erp.RecordSyncInput, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]push(nil), r.pushes...), append([]erp.RecordSyncInput(nil), r.records...), append([]string(nil), r.statuses...)
}

func recordedStatuses(records []erp.RecordSyncInput) []string {
	var out []string
	for _, rec := range records {
		out = append(out, rec.Status)
	}
	return out
}

func synced(number string) func(int) (erp.PushOrderResult, error) {
	return func(int) (erp.PushOrderResult, error) {
		return erp.PushOrderResult{ERPNumber: number, Created: true}, nil
	}
}

func alwaysDown(int) (erp.PushOrderResult, error) { return erp.PushOrderResult{}, erpDown }

// An ERP that is up takes the order at the first call: synced, its number
// recorded.
func TestPushedFirstTime(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, synced("SO-1001"))
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID})

	require.Equal(t, erpsync.State{Status: erp.SyncSynced, Attempts: 1, ERPNumber: "SO-1001"}, st)
	pushes, records, statuses := r.seen()
	require.Len(t, pushes, 1)
	require.Equal(t, erp.PushOrderInput{OrderID: orderID, Attempt: 1}, pushes[0].in)
	require.Equal(t, []string{erp.SyncPending, erp.SyncSynced}, recordedStatuses(records))
	require.Equal(t, erp.RecordSyncInput{OrderID: orderID, Status: erp.SyncSynced, Attempts: 1}, records[1])
	require.Equal(t, []string{erp.SyncPending, erp.SyncSynced}, statuses)
}

// An ERP down for hours: the push backs off (1 s doubling, at most 30 min
// apart) and keeps trying within the day's budget, then syncs once the ERP is
// back. Twenty failures take about five hours.
func TestBacksOffForHoursThenSyncs(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, func(n int) (erp.PushOrderResult, error) {
		if n <= 20 {
			return erp.PushOrderResult{}, erpDown
		}
		return erp.PushOrderResult{ERPNumber: "SO-2002"}, nil
	})
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID})

	require.Equal(t, erpsync.State{Status: erp.SyncSynced, Attempts: 1, ERPNumber: "SO-2002"}, st)
	pushes, records, statuses := r.seen()
	require.Len(t, pushes, 21)
	require.True(t, pushes[0].local, "the first try is a local activity")
	for i, p := range pushes {
		if i > 0 {
			require.False(t, p.local)
			require.Equal(t, int32(i), p.activityAttempt, "then one activity, retried by Temporal")
		}
		require.Equal(t, 1, p.in.Attempt, "one push")
	}
	for i := 1; i < len(pushes); i++ {
		gap := pushes[i].at.Sub(pushes[i-1].at)
		require.LessOrEqual(t, gap, 30*time.Minute+time.Second, "backoff is capped")
		if i >= 2 {
			require.GreaterOrEqual(t, gap, pushes[i-1].at.Sub(pushes[i-2].at), "backoff never shrinks")
		}
	}
	waited := pushes[20].at.Sub(r.start)
	require.Greater(t, waited, 4*time.Hour)
	require.Less(t, waited, 6*time.Hour)
	require.Equal(t, []string{erp.SyncPending, erp.SyncSynced}, recordedStatuses(records), "never stuck")
	require.Equal(t, []string{erp.SyncPending, erp.SyncSynced}, statuses)
}

// An ERP down for longer than the budget: the push turns stuck (recorded with
// the last error, search attribute, query) and waits; ops fix the ERP and send
// RetrySignal, and the second push, with a fresh budget, syncs.
func TestStuckWhenBudgetSpentThenOpsRetry(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, alwaysDown)
	var whileStuck erpsync.State
	r.env.RegisterDelayedCallback(func() {
		whileStuck = r.query()
		r.setAnswer(synced("SO-3003"))
		r.env.SignalWorkflow(erpsync.RetrySignal, nil)
	}, 30*time.Hour)
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID})

	require.Equal(t, erp.SyncStuck, whileStuck.Status)
	require.Equal(t, 1, whileStuck.Attempts)
	require.Contains(t, whileStuck.LastError, "503 Service Unavailable")
	require.Contains(t, whileStuck.LastError, "24h0m0s", "the default budget")

	require.Equal(t, erp.SyncSynced, st.Status)
	require.Equal(t, 2, st.Attempts)
	require.Equal(t, "SO-3003", st.ERPNumber)
	require.Empty(t, st.LastError)

	pushes, records, statuses := r.seen()
	first := pushes[:len(pushes)-1]
	require.Greater(t, len(first), 30, "retried all day")
	require.LessOrEqual(t, first[len(first)-1].at.Sub(r.start), 24*time.Hour, "not past the budget")
	require.Greater(t, first[len(first)-1].at.Sub(r.start), 23*time.Hour, "the budget, not a count, ended the retries")
	last := pushes[len(pushes)-1]
	require.Equal(t, erp.PushOrderInput{OrderID: orderID, Attempt: 2}, last.in)
	require.Equal(t, int32(1), last.activityAttempt, "a new push, with a new budget")
	require.Equal(t, r.start.Add(30*time.Hour), last.at)

	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncPending, erp.SyncSynced}, recordedStatuses(records))
	require.Equal(t, 1, records[1].Attempts)
	require.Equal(t, whileStuck.LastError, records[1].LastError, "the notification says why")
	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncPending, erp.SyncSynced}, statuses)
}

// The worker's configured policy (ERP_RETRY_BUDGET, ERP_RETRY_MAX_INTERVAL)
// rules a push whose input leaves it open: tries at most 5 min apart, stuck
// after 6 h.
func TestWorkerPolicyBoundsTheRetries(t *testing.T) {
	t.Parallel()
	r := newPushRunWithPolicy(t, erp.PushPolicy{RetryBudget: 6 * time.Hour, MaxInterval: 5 * time.Minute}, alwaysDown)
	var whileStuck erpsync.State
	r.env.RegisterDelayedCallback(func() {
		whileStuck = r.query()
		r.env.SignalWorkflow(erpsync.CancelSignal, nil)
	}, 7*time.Hour)
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID})

	require.Equal(t, erp.SyncStuck, whileStuck.Status)
	require.Contains(t, whileStuck.LastError, "retried for 6h0m0s")
	require.Equal(t, erp.SyncCancelled, st.Status)
	pushes, _, _ := r.seen()
	for i := 1; i < len(pushes); i++ {
		require.LessOrEqual(t, pushes[i].at.Sub(pushes[i-1].at), 5*time.Minute+time.Second, "backoff is capped by the policy")
	}
	last := pushes[len(pushes)-1].at.Sub(r.start)
	require.Greater(t, last, 5*time.Hour+50*time.Minute, "the policy's budget, not a count, ended the retries")
	require.LessOrEqual(t, last, 6*time.Hour)
}

// A stuck push that ops cancel is never pushed again: recorded cancelled.
func TestStuckThenOpsCancel(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, alwaysDown)
	r.env.RegisterDelayedCallback(func() { r.env.SignalWorkflow(erpsync.CancelSignal, "the customer cancelled by phone") }, 3*time.Hour)
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID, RetryBudget: 2 * time.Hour})

	require.Equal(t, erp.SyncCancelled, st.Status)
	require.Equal(t, 1, st.Attempts)
	require.Contains(t, st.LastError, "retried for 2h0m0s")
	pushes, records, statuses := r.seen()
	require.LessOrEqual(t, pushes[len(pushes)-1].at.Sub(r.start), 2*time.Hour, "the input's budget")
	require.Greater(t, pushes[len(pushes)-1].at.Sub(r.start), time.Hour)
	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncCancelled}, recordedStatuses(records))
	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncCancelled}, statuses)
}

// An ERP that refuses the order (a 4xx): no retry can change that, so the push
// is stuck at once, saying why.
func TestRefusedIsStuckAtOnce(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, func(int) (erp.PushOrderResult, error) {
		// Retryable as sent: the workflow's retry policy names the type
		// non-retryable, whatever the activity says.
		return erp.PushOrderResult{}, temporal.NewApplicationError("customer 4711 is unknown", "ErpRefused")
	})
	var whileStuck erpsync.State
	r.env.RegisterDelayedCallback(func() {
		whileStuck = r.query()
		r.env.SignalWorkflow(erpsync.CancelSignal, nil)
	}, time.Minute)
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID})

	require.Equal(t, erp.SyncStuck, whileStuck.Status)
	require.Equal(t, "the ERP refused the order: customer 4711 is unknown", whileStuck.LastError)
	require.Equal(t, erp.SyncCancelled, st.Status)
	pushes, records, _ := r.seen()
	require.Len(t, pushes, 1, "no retries")
	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncCancelled}, recordedStatuses(records))
}

// Signals sent before the push is stuck wait for it: a retry sent while the
// push is still retrying is taken once it is stuck, and not lost.
func TestRetrySentEarlyIsKept(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, alwaysDown)
	r.env.RegisterDelayedCallback(func() { r.env.SignalWorkflow(erpsync.RetrySignal, nil) }, time.Hour)
	r.env.RegisterDelayedCallback(func() { r.setAnswer(synced("SO-4004")) }, 90*time.Minute)
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID, RetryBudget: time.Hour})

	require.Equal(t, erpsync.State{Status: erp.SyncSynced, Attempts: 2, ERPNumber: "SO-4004"}, st)
}

// Cancelling the workflow (the UI's cancel button) while it waits stuck
// records the push cancelled and ends the workflow cancelled.
func TestWorkflowCancelledWhileStuck(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, alwaysDown)
	r.env.RegisterDelayedCallback(r.env.CancelWorkflow, 3*time.Hour)
	r.env.ExecuteWorkflow(erpsync.WorkflowName, erpsync.Input{OrderID: orderID, CompanyID: companyID, RetryBudget: time.Hour})

	require.True(t, r.env.IsWorkflowCompleted())
	var canceled *temporal.CanceledError
	require.True(t, errors.As(r.env.GetWorkflowError(), &canceled), "%v", r.env.GetWorkflowError())
	_, records, _ := r.seen()
	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncCancelled}, recordedStatuses(records))
}

// The workflow ID comes from the order, so one order has one push.
func TestWorkflowID(t *testing.T) {
	t.Parallel()
	require.Equal(t, "erp-order/"+orderID.String(), erpsync.WorkflowID(orderID))
}

// A push whose input Postgres refuses (activities.Classify: invalid_input) is
// not retried for the rest of its budget: stuck at once, with Postgres's
// reason for ops, who retry once the cause is fixed, or cancel.
func TestInputPostgresRefusesIsStuckAtOnce(t *testing.T) {
	t.Parallel()
	r := newPushRun(t, func(int) (erp.PushOrderResult, error) {
		return erp.PushOrderResult{}, activities.Classify(&pgconn.PgError{Code: "22001", Message: "value too long for type character(3)"})
	})
	var whileStuck erpsync.State
	r.env.RegisterDelayedCallback(func() {
		whileStuck = r.query()
		r.env.SignalWorkflow(erpsync.CancelSignal, nil)
	}, time.Minute)
	st := r.execute(erpsync.Input{OrderID: orderID, CompanyID: companyID})

	require.Equal(t, erp.SyncStuck, whileStuck.Status)
	require.Contains(t, whileStuck.LastError, "value too long")
	require.Equal(t, erp.SyncCancelled, st.Status)
	pushes, records, _ := r.seen()
	require.Len(t, pushes, 1, "no retries")
	require.Equal(t, []string{erp.SyncPending, erp.SyncStuck, erp.SyncCancelled}, recordedStatuses(records))
}
