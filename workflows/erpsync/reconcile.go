package erpsync

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// Timeouts of one page of a reconciliation and of its last pass. A page that
// keeps failing fails the run (recorded as failed): the next day's run, or
// ops, reconcile again.
const (
	reconcilePageTimeout       = 2 * time.Minute
	reconcilePageRetryDeadline = 30 * time.Minute
	reconcilePageMaxAttempts   = 10
	reconcileFinishTimeout     = 10 * time.Minute
)

// ErrorTypeInvalidPeriod is the error type of a run given a period that
// ValidatePeriod refuses: it ends at once, and stores nothing.
const ErrorTypeInvalidPeriod = "ErpReconcilePeriodInvalid"

// reconciliationNamespace derives a scheduled run's reconciliation ID from
// its workflow ID, so every replay and retry of the run names one report.
var reconciliationNamespace = uuid.MustParse("4f0c8a9e-3b7d-5e21-9c4a-6d1e2f3a4b5c")

// ErpReconcile compares the orders placed in a period in both systems and
// stores what disagrees. It begins the report (status running), compares the
// ERP's orders a page at a time with ours under the same references, then
// finds ours that no page named, and completes the report with its counts.
// Memory and history stay bounded: a page is compared inside its activity,
// the last pass pages in SQL, and after PagesPerRun pages the run continues as
// new with its cursor. When a step fails for good the report is marked
// failed.
func ErpReconcile(ctx workflow.Context, in ReconcileInput) (ReconcileResult, error) {
	r := &reconcileRun{in: in}
	r.setup(ctx)
	return r.run(ctx)
}

// reconcileRun is one run of a reconciliation.
type reconcileRun struct {
	in     ReconcileInput
	totals ReconcileResult
}

// setup fills what the schedule leaves out: the ID, from the workflow ID;
// the period, the UTC day before the run began; and the sizes.
func (r *reconcileRun) setup(ctx workflow.Context) {
	info := workflow.GetInfo(ctx)
	if r.in.ReconciliationID == uuid.Nil {
		r.in.ReconciliationID = uuid.NewSHA1(reconciliationNamespace, []byte(info.WorkflowExecution.ID))
	}
	if r.in.From.IsZero() && r.in.To.IsZero() {
		r.in.To = workflow.Now(ctx).UTC().Truncate(24 * time.Hour)
		r.in.From = r.in.To.Add(-24 * time.Hour)
	}
	if r.in.Trigger == "" {
		r.in.Trigger = erp.TriggerSchedule
	}
	if r.in.PageSize <= 0 {
		r.in.PageSize = DefaultReconcilePageSize
	}
	if r.in.PagesPerRun <= 0 {
		r.in.PagesPerRun = DefaultReconcilePagesPerRun
	}
	r.totals = r.in.Carried
	r.totals.ReconciliationID = r.in.ReconciliationID
}

func (r *reconcileRun) run(ctx workflow.Context) (ReconcileResult, error) {
	if field, msg := ValidatePeriod(r.in.From, r.in.To); field != "" {
		return r.totals, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("reconciliation period: %s: %s", field, msg), ErrorTypeInvalidPeriod, nil)
	}
	continued := r.in.Cursor != "" || r.totals.Pages > 0
	if !continued {
		lctx := workflow.WithLocalActivityOptions(ctx, workflows.LocalStepOptions)
		if err := workflows.RunLocal(lctx, erpActs.BeginReconciliation, erp.BeginReconciliationInput{
			ID: r.in.ReconciliationID, From: r.in.From, To: r.in.To, Trigger: r.in.Trigger}); err != nil {
			return r.totals, err
		}
	}
	r.describe(ctx, "comparing the ERP's orders")

	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              TaskQueue,
		StartToCloseTimeout:    reconcilePageTimeout,
		ScheduleToCloseTimeout: reconcilePageRetryDeadline,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        pushInitialInterval,
			BackoffCoefficient:     pushBackoffCoefficient,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        reconcilePageMaxAttempts,
			NonRetryableErrorTypes: []string{erpRefusedType},
		},
	})
	for page := 0; ; page++ {
		if page == r.in.PagesPerRun {
			next := r.in
			next.Carried = r.totals
			return r.totals, workflow.NewContinueAsNewError(ctx, ReconcileWorkflowName, next)
		}
		var res erp.ReconcilePageResult
		err := workflow.ExecuteActivity(pctx, erpActs.ReconcilePage, erp.ReconcilePageInput{
			ID: r.in.ReconciliationID, From: r.in.From, To: r.in.To, Cursor: r.in.Cursor, Limit: r.in.PageSize,
		}).Get(ctx, &res)
		if err != nil {
			return r.totals, r.fail(ctx, err)
		}
		r.in.Cursor = res.NextCursor
		r.totals.Pages++
		r.totals.ErpOrders += res.Orders
		r.totals.Findings += res.Findings
		r.describe(ctx, "comparing the ERP's orders")
		if !res.More {
			break
		}
	}

	r.describe(ctx, "looking for our orders the ERP lacks")
	fctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              TaskQueue,
		StartToCloseTimeout:    reconcileFinishTimeout,
		HeartbeatTimeout:       time.Minute,
		ScheduleToCloseTimeout: reconcilePageRetryDeadline,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: pushInitialInterval, BackoffCoefficient: pushBackoffCoefficient,
			MaximumInterval: time.Minute, MaximumAttempts: reconcilePageMaxAttempts,
		},
	})
	var counts erp.ReconciliationCounts
	if err := workflow.ExecuteActivity(fctx, erpActs.FinishReconciliation, erp.FinishReconciliationInput{
		ID: r.in.ReconciliationID, ErpOrders: r.totals.ErpOrders,
	}).Get(ctx, &counts); err != nil {
		return r.totals, r.fail(ctx, err)
	}
	r.totals.Findings = 0
	for _, kind := range commerce.ErpDriftKinds {
		r.totals.Findings += counts.Findings[kind]
	}
	r.describe(ctx, "completed")
	return r.totals, nil
}

// fail marks the report failed, saying why, and answers the error, so the
// run ends failed too.
func (r *reconcileRun) fail(ctx workflow.Context, cause error) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	dctx = workflow.WithLocalActivityOptions(dctx, workflows.LocalStepOptions)
	if err := workflows.RunLocal(dctx, erpActs.FailReconciliation, erp.FailReconciliationInput{
		ID: r.in.ReconciliationID, Error: cause.Error()}); err != nil {
		return err
	}
	r.describe(ctx, "failed: "+cause.Error())
	return cause
}

// describe says in words where the run is, for the Temporal UI.
func (r *reconcileRun) describe(ctx workflow.Context, doing string) {
	workflow.SetCurrentDetails(ctx, fmt.Sprintf(
		"reconciliation %s of orders placed %s to %s: %s; %d pages, %d ERP orders, %d findings",
		r.in.ReconciliationID, r.in.From.Format(time.RFC3339), r.in.To.Format(time.RFC3339), doing,
		r.totals.Pages, r.totals.ErpOrders, r.totals.Findings))
}
