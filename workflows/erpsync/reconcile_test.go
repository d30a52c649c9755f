package erpsync_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// reconcileCalls records what a reconciliation asked of its activities.
type reconcileCalls struct {
	begun    []erp.BeginReconciliationInput
	pages    []erp.ReconcilePageInput
	finished []erp.FinishReconciliationInput
	failed   []erp.FailReconciliationInput
}

// reconcileEnv runs ErpReconcile over ERP pages answered in turn by pages (an
// error answers with that error), finishing with counts.
func reconcileEnv(t *testing.T, pages []erp.ReconcilePageResult, pageErr error, counts erp.ReconciliationCounts) (*testsuite.TestWorkflowEnvironment, *reconcileCalls) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(erpsync.ErpReconcile, workflow.RegisterOptions{Name: erpsync.ReconcileWorkflowName})
	acts := &erp.Activities{}
	env.RegisterActivity(acts)
	calls := &reconcileCalls{}
	env.OnActivity(acts.BeginReconciliation, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.BeginReconciliationInput) error {
			calls.begun = append(calls.begun, in)
			return nil
		})
	env.OnActivity(acts.ReconcilePage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.ReconcilePageInput) (erp.ReconcilePageResult, error) {
			calls.pages = append(calls.pages, in)
			if len(calls.pages) > len(pages) {
				return erp.ReconcilePageResult{}, pageErr
			}
			return pages[len(calls.pages)-1], nil
		})
	env.OnActivity(acts.FinishReconciliation, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.FinishReconciliationInput) (erp.ReconciliationCounts, error) {
			calls.finished = append(calls.finished, in)
			return counts, nil
		})
	env.OnActivity(acts.FailReconciliation, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in erp.FailReconciliationInput) error {
			calls.failed = append(calls.failed, in)
			return nil
		})
	return env, calls
}

var (
	periodFrom = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	periodTo   = periodFrom.Add(24 * time.Hour)
)

// A run begins its report, compares the ERP's pages in cursor order until
// one is not full, then finishes with the ERP orders it read.
func TestReconcilePagesThenFinishes(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	env, calls := reconcileEnv(t, []erp.ReconcilePageResult{
		{NextCursor: "c1", Orders: 2, Findings: 1, More: true}, {NextCursor: "c2", Orders: 1, Findings: 0},
	}, nil, erp.ReconciliationCounts{ErpOrders: 3, OurOrders: 4, Findings: map[commerce.ErpDriftKind]int{
		commerce.DriftMissingInErp: 2, commerce.DriftTotalMismatch: 1}})
	env.ExecuteWorkflow(erpsync.ReconcileWorkflowName, erpsync.ReconcileInput{
		ReconciliationID: id, From: periodFrom, To: periodTo, Trigger: erp.TriggerOps, PageSize: 2})
	require.NoError(t, env.GetWorkflowError())
	var got erpsync.ReconcileResult
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, erpsync.ReconcileResult{ReconciliationID: id, Pages: 2, ErpOrders: 3, Findings: 3}, got)

	require.Equal(t, []erp.BeginReconciliationInput{{ID: id, From: periodFrom, To: periodTo, Trigger: erp.TriggerOps}}, calls.begun)
	require.Equal(t, []erp.ReconcilePageInput{
		{ID: id, From: periodFrom, To: periodTo, Cursor: "", Limit: 2},
		{ID: id, From: periodFrom, To: periodTo, Cursor: "c1", Limit: 2},
	}, calls.pages)
	require.Equal(t, []erp.FinishReconciliationInput{{ID: id, ErpOrders: 3}}, calls.finished)
	require.Empty(t, calls.failed)
}

// The schedule's input reconciles the UTC day before the run, under an ID
// derived from the workflow ID (the same ID on every replay).
func TestReconcileScheduledTakesThePreviousDay(t *testing.T) {
	t.Parallel()
	env, calls := reconcileEnv(t, []erp.ReconcilePageResult{{}}, nil, erp.ReconciliationCounts{})
	env.SetStartTime(time.Date(2026, 11, 30, 3, 0, 4, 0, time.UTC))
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "erp-reconcile-daily-2026-11-30T03:00:00Z"})
	env.ExecuteWorkflow(erpsync.ReconcileWorkflowName, erpsync.ReconcileInput{Trigger: erp.TriggerSchedule})
	require.NoError(t, env.GetWorkflowError())
	require.Len(t, calls.begun, 1)
	b := calls.begun[0]
	require.Equal(t, periodFrom, b.From)
	require.Equal(t, periodTo, b.To)
	require.Equal(t, erp.TriggerSchedule, b.Trigger)
	require.NotEqual(t, uuid.Nil, b.ID)

	again, calls2 := reconcileEnv(t, []erp.ReconcilePageResult{{}}, nil, erp.ReconciliationCounts{})
	again.SetStartTime(time.Date(2026, 11, 30, 3, 0, 4, 0, time.UTC))
	again.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "erp-reconcile-daily-2026-11-30T03:00:00Z"})
	again.ExecuteWorkflow(erpsync.ReconcileWorkflowName, erpsync.ReconcileInput{Trigger: erp.TriggerSchedule})
	require.Equal(t, b.ID, calls2.begun[0].ID, "the ID comes from the workflow ID")
	require.Equal(t, calls.pages[0].Limit, erpsync.DefaultReconcilePageSize)
}

// After PagesPerRun full pages the run continues as new with its cursor and
// totals, and the next run does not begin the report again.
func TestReconcileContinuesAsNew(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	full := erp.ReconcilePageResult{Orders: 2, Findings: 1, More: true}
	p1, p2 := full, full
	p1.NextCursor, p2.NextCursor = "c1", "c2"
	env, calls := reconcileEnv(t, []erp.ReconcilePageResult{p1, p2}, nil, erp.ReconciliationCounts{})
	env.ExecuteWorkflow(erpsync.ReconcileWorkflowName, erpsync.ReconcileInput{
		ReconciliationID: id, From: periodFrom, To: periodTo, Trigger: erp.TriggerOps, PageSize: 2, PagesPerRun: 2})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	require.Len(t, calls.pages, 2)
	require.Empty(t, calls.finished)
	var next erpsync.ReconcileInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, erpsync.ReconcileInput{ReconciliationID: id, From: periodFrom, To: periodTo, Trigger: erp.TriggerOps,
		PageSize: 2, PagesPerRun: 2, Cursor: "c2",
		Carried: erpsync.ReconcileResult{ReconciliationID: id, Pages: 2, ErpOrders: 4, Findings: 2}}, next)

	cont, calls2 := reconcileEnv(t, []erp.ReconcilePageResult{{NextCursor: "c3", Orders: 1}}, nil, erp.ReconciliationCounts{})
	cont.ExecuteWorkflow(erpsync.ReconcileWorkflowName, next)
	require.NoError(t, cont.GetWorkflowError())
	require.Empty(t, calls2.begun, "a continued run does not begin the report again")
	require.Equal(t, "c2", calls2.pages[0].Cursor)
	require.Equal(t, []erp.FinishReconciliationInput{{ID: id, ErpOrders: 5}}, calls2.finished)
}

// An ERP that refuses the listing fails the run and marks its report failed.
func TestReconcileFailsOnRefusal(t *testing.T) {
	t.Parallel()
	refused := temporal.NewNonRetryableApplicationError("erp refused the request (400 invalid)", erp.ErrorTypeRefused, nil)
	env, calls := reconcileEnv(t, nil, refused, erp.ReconciliationCounts{})
	id := uuid.New()
	env.ExecuteWorkflow(erpsync.ReconcileWorkflowName, erpsync.ReconcileInput{
		ReconciliationID: id, From: periodFrom, To: periodTo, Trigger: erp.TriggerOps})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, erp.ErrorTypeRefused, appErr.Type())
	require.Len(t, calls.pages, 1, "a refusal is not retried")
	require.Len(t, calls.failed, 1)
	require.Equal(t, id, calls.failed[0].ID)
	require.Contains(t, calls.failed[0].Error, "400 invalid")
	require.Empty(t, calls.finished)
}

// A period ValidatePeriod refuses ends the run at once, writing nothing.
func TestReconcileRefusesABadPeriod(t *testing.T) {
	t.Parallel()
	env, calls := reconcileEnv(t, nil, nil, erp.ReconciliationCounts{})
	env.ExecuteWorkflow(erpsync.ReconcileWorkflowName, erpsync.ReconcileInput{
		ReconciliationID: uuid.New(), From: periodTo, To: periodFrom, Trigger: erp.TriggerOps})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &appErr))
	require.Equal(t, erpsync.ErrorTypeInvalidPeriod, appErr.Type())
	require.Empty(t, calls.begun)
	require.Empty(t, calls.pages)
}

func TestValidatePeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to time.Time
		field    string
	}{
		{periodFrom, periodTo, ""},
		{periodFrom, periodFrom.Add(erpsync.MaxReconcilePeriod), ""},
		{periodFrom, periodFrom.Add(erpsync.MaxReconcilePeriod + time.Second), "to"},
		{periodFrom, periodFrom, "to"},
		{periodTo, periodFrom, "to"},
		{time.Time{}, periodTo, "from"},
		{periodFrom, time.Time{}, "to"},
	}
	for _, tt := range tests {
		field, _ := erpsync.ValidatePeriod(tt.from, tt.to)
		require.Equal(t, tt.field, field, "%s to %s", tt.from, tt.to)
	}
}
