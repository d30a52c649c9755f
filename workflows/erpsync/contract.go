// Package erpsync is the ERP sync process: it gives each order to the
// company's ERP exactly once, outlasting ERP outages of hours, and when the
// ERP stays down (or refuses the order) it turns stuck and waits for ops to
// retry or cancel. It also pulls the ERP's stock and prices on Temporal
// Schedules (pull.go). This file is its contract; the push's state machine is
// in workflow.go.
package erpsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/workflows"
)

// TaskQueue is the task queue of ERP order workflows and their activities: its
// own, so a slow or absent ERP holds up nothing but ERP sync (never checkout).
const TaskQueue = "orderflow-erp"

// WorkflowName is the registered name of the ERP order workflow.
const WorkflowName = "ErpOrder"

// Versioning behaviors of the ERP workflows under Temporal's worker
// versioning (docs/deployment.md).
const (
	// VersioningBehavior moves an order's push to each new worker deployment
	// version (build) as it becomes current: a push retries a failing ERP
	// for up to its retry budget (a day by default) and then waits, stuck,
	// for ops, however long that takes. Changes to it keep old histories
	// replayable (workflow.GetVersion, proved by the replay test).
	VersioningBehavior = workflow.VersioningBehaviorAutoUpgrade
	// PullVersioningBehavior pins a stock or price pull to the build it
	// started on: a run lasts minutes (a failing page fails it within
	// pullPageRetryDeadline), its continued runs stay with it, and the
	// schedule's next run starts on the current build.
	PullVersioningBehavior = workflow.VersioningBehaviorPinned
	// ReconcileVersioningBehavior pins a reconciliation run to the build it
	// started on, for the reason the pulls are: a run, with the runs it
	// continues as, compares one period in minutes.
	ReconcileVersioningBehavior = workflow.VersioningBehaviorPinned
)

// WorkflowID is the ID of an order's ERP push: derived from the order, so the
// order is pushed by one workflow however often its start is asked for.
func WorkflowID(orderID uuid.UUID) string { return "erp-order/" + orderID.String() }

// StatusQuery answers the push's State, for ops and the API.
const StatusQuery = "erp_sync_status"

// Signal names, sent by ops from the API or from the Temporal UI's signal
// button. They carry no input (any input is ignored, so the UI's button works
// whatever is typed into it) and act only on a stuck push: one sent while the
// push is still retrying waits, and acts if the push turns stuck.
const (
	// RetrySignal pushes a stuck order again, with a fresh retry budget.
	RetrySignal = "retry"
	// CancelSignal gives up on a stuck order: it is never pushed.
	CancelSignal = "cancel"
)

// StatusKey is the search attribute ErpSyncStatus: the push's status, one of
// erp.SyncPending, erp.SyncSynced, erp.SyncStuck and erp.SyncCancelled, e.g.
// ErpSyncStatus="stuck" for the orders ops must look at.
var StatusKey = temporal.NewSearchAttributeKeyKeyword("ErpSyncStatus")

// SearchAttributes are every search attribute an ERP push sets, for
// registering them on a namespace.
var SearchAttributes = []temporal.SearchAttributeKey{StatusKey, workflows.CompanyIDKey}

// DefaultRetryBudget is how long a push retries an ERP that fails before it
// turns stuck, unless the worker's configuration or Input.RetryBudget says
// otherwise.
const DefaultRetryBudget = erp.DefaultRetryBudget

// Input names the order to push.
type Input struct {
	OrderID   uuid.UUID `json:"order_id"`
	CompanyID uuid.UUID `json:"company_id"`
	// RetryBudget is how long one push retries before it turns stuck (0: the
	// worker's ERP_RETRY_BUDGET); an ops retry grants it afresh.
	RetryBudget time.Duration `json:"retry_budget,omitempty"`
	// MaxInterval is the longest wait between two tries (0: the worker's
	// ERP_RETRY_MAX_INTERVAL).
	MaxInterval time.Duration `json:"max_interval,omitempty"`
	// Repush names the request to push the order again after it synced (a
	// reconciliation finding's ID), "" for its first push; see Repush.
	Repush string `json:"repush,omitempty"`
}

// budget is the retry budget the input asks for.
func (in Input) budget() time.Duration {
	if in.RetryBudget > 0 {
		return in.RetryBudget
	}
	return DefaultRetryBudget
}

// maxInterval is the longest wait between two tries the input asks for.
func (in Input) maxInterval() time.Duration {
	if in.MaxInterval > 0 {
		return in.MaxInterval
	}
	return erp.DefaultMaxInterval
}

// State is where an order's push stands.
type State struct {
	// Status is one of the erp.Sync* statuses.
	Status string `json:"status"`
	// Attempts counts the pushes: the first, and one more for each ops retry.
	// (The ERP calls inside one push, retried with backoff, are the push's
	// activity attempts, shown in the Temporal UI.)
	Attempts int `json:"attempts"`
	// ERPNumber is the ERP's order number, once synced.
	ERPNumber string `json:"erp_number,omitempty"`
	// LastError is why the push is stuck (or was, before a retry).
	LastError string `json:"last_error,omitempty"`
}

// Start starts the order's ERP push, or answers the push that exists already,
// so asking twice is harmless:
//   - conflict policy USE_EXISTING: a start while the push runs joins it;
//   - reuse policy ALLOW_DUPLICATE_FAILED_ONLY: an order synced or cancelled
//     is never pushed again (Start answers that push's run); only a push that
//     failed or was terminated may start anew (the push itself is idempotent).
//
// The search attributes are set at start, so the push can be found in the UI
// before its first workflow task runs.
func Start(ctx context.Context, c client.Client, in Input) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(in.OrderID),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes:    in.startAttributes(),
		StaticSummary:            in.summary(),
	}, WorkflowName, in)
	var done *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &done) {
		return c.GetWorkflow(ctx, WorkflowID(in.OrderID), ""), nil
	}
	return run, err
}

// Repush pushes an order again, e.g. because a reconciliation found the ERP
// no longer has it. It starts the order's push under the same workflow ID
// with reuse policy ALLOW_DUPLICATE, so a push that ended (synced or
// cancelled) runs anew, and conflict policy USE_EXISTING, so a push still
// running is joined, never doubled. The push looks the order up by reference
// first, so pushing an order the ERP still has creates nothing; it creates
// with an idempotency key of its own (erp.RepushIdempotencyKey), since an ERP
// that lost the order may still answer the first key with it.
func Repush(ctx context.Context, c client.Client, in Input) (client.WorkflowRun, error) {
	if in.Repush == "" {
		return nil, errors.New("erpsync: a re-push must name its request (Input.Repush)")
	}
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(in.OrderID),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    in.startAttributes(),
		StaticSummary:            "ERP re-push · order " + in.OrderID.String(),
	}, WorkflowName, in)
}

// startAttributes are a push's search attributes at its start, so it can be
// found in the UI before its first workflow task runs.
func (in Input) startAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
		StatusKey.ValueSet(erp.SyncPending),
	)
}

// summary is how a push reads in the UI's workflow list.
func (in Input) summary() string { return "ERP push · order " + in.OrderID.String() }

// Starter starts orders' pushes from the order's workflow when it opens, as a
// local activity of the order (StartPush). It replaced the child workflow
// (StartChild), whose start and whose end each woke the order for a workflow
// task of its own; started from the worker's client, the push costs the order
// one call inside the workflow task that opens it, eager when this process
// runs an ERP worker. The order does not wait for the push either way. The
// start is as idempotent as the child's: same workflow ID, same reuse policy
// (ALLOW_DUPLICATE_FAILED_ONLY), so a retried start or a reset order finds the
// push started or done and starts nothing.
type Starter struct {
	Client client.Client
}

// StartPush starts the order's push, or finds it started (or synced).
func (s *Starter) StartPush(ctx context.Context, in Input) error {
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(in.OrderID),
		TaskQueue:                TaskQueue,
		EnableEagerStart:         true,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes:    in.startAttributes(),
		StaticSummary:            in.summary(),
		StaticDetails:            "Started by the order's workflow `order/" + in.OrderID.String() + "` when it opened.",
	}, WorkflowName, in)
	if _, started := errors.AsType[*serviceerror.WorkflowExecutionAlreadyStarted](err); started {
		return nil
	}
	return err
}

// StartChild starts the order's push as a child of the calling workflow (the
// order, when it opens). The push outlives its parent (parent close policy
// ABANDON) and runs on the ERP task queue; its ID comes from the order with
// reuse policy ALLOW_DUPLICATE_FAILED_ONLY, so a reset order can never push
// twice: the start then fails as already started, which the caller ignores.
func StartChild(ctx workflow.Context, in Input) workflow.ChildWorkflowFuture {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            WorkflowID(in.OrderID),
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: in.startAttributes(),
		StaticSummary:         in.summary(),
	})
	return workflow.ExecuteChildWorkflow(ctx, WorkflowName, in)
}

// Retry sends RetrySignal to the order's push (ops).
func Retry(ctx context.Context, c client.Client, orderID uuid.UUID) error {
	return c.SignalWorkflow(ctx, WorkflowID(orderID), "", RetrySignal, nil)
}

// Cancel sends CancelSignal to the order's push (ops).
func Cancel(ctx context.Context, c client.Client, orderID uuid.UUID) error {
	return c.SignalWorkflow(ctx, WorkflowID(orderID), "", CancelSignal, nil)
}

// Status asks the order's push where it stands.
func Status(ctx context.Context, c client.Client, orderID uuid.UUID) (State, error) {
	v, err := c.QueryWorkflow(ctx, WorkflowID(orderID), "", StatusQuery)
	if err != nil {
		return State{}, err
	}
	var st State
	return st, v.Get(&st)
}

// ReconcileWorkflowName is the registered name of the reconciliation workflow.
const ReconcileWorkflowName = "ErpReconcile"

// ReconcileWorkflowID is the ID of an ops-asked reconciliation run; a
// scheduled run's ID is the schedule's (ReconcileScheduleWorkflowID plus the
// time Temporal appends).
func ReconcileWorkflowID(reconciliationID uuid.UUID) string {
	return "erp-reconcile/" + reconciliationID.String()
}

// ReconcileScheduleID is the Temporal Schedule that reconciles the previous
// UTC day every day at ReconcileHourUTC; ReconcileScheduleWorkflowID is the
// ID of the runs it starts.
const (
	ReconcileScheduleID         = "erp-reconcile"
	ReconcileScheduleWorkflowID = "erp-reconcile-daily"
	ReconcileHourUTC            = 3
)

// MaxReconcilePeriod is the longest period one run compares.
const MaxReconcilePeriod = 31 * 24 * time.Hour

// Sizes of a reconciliation unless its input says otherwise.
const (
	DefaultReconcilePageSize    = 200
	DefaultReconcilePagesPerRun = 50
)

// ReconcileInput is a reconciliation run: the orders placed in [From, To) in
// both systems. The schedule's input has only Trigger; the run then takes
// the previous UTC day and an ID derived from its workflow ID.
type ReconcileInput struct {
	// ReconciliationID is the run's ID, its report's (zero: derived from the
	// workflow ID).
	ReconciliationID uuid.UUID `json:"reconciliation_id,omitzero"`
	From             time.Time `json:"from,omitzero"`
	To               time.Time `json:"to,omitzero"`
	// Trigger is erp.TriggerSchedule or erp.TriggerOps.
	Trigger string `json:"trigger"`
	// PageSize is the most ERP orders one page asks for (0:
	// DefaultReconcilePageSize); PagesPerRun how many pages a run compares
	// before it continues as new (0: DefaultReconcilePagesPerRun).
	PageSize    int `json:"page_size,omitempty"`
	PagesPerRun int `json:"pages_per_run,omitempty"`
	// Cursor is where the ERP's pages resume, and Carried the totals so far,
	// in a run that continues another.
	Cursor  string          `json:"cursor,omitempty"`
	Carried ReconcileResult `json:"carried,omitzero"`
}

// ValidatePeriod checks a reconciliation's period: from before to, at most
// MaxReconcilePeriod long. It answers the field at fault and why.
func ValidatePeriod(from, to time.Time) (field, msg string) {
	switch {
	case from.IsZero():
		return "from", "from is required"
	case to.IsZero():
		return "to", "to is required"
	case !from.Before(to):
		return "to", "to must be after from"
	case to.Sub(from) > MaxReconcilePeriod:
		return "to", fmt.Sprintf("the period may be at most %d days", int(MaxReconcilePeriod/(24*time.Hour)))
	}
	return "", ""
}

// ReconcileResult counts what a run did, over all its runs.
type ReconcileResult struct {
	ReconciliationID uuid.UUID `json:"reconciliation_id,omitzero"`
	Pages            int       `json:"pages"`
	ErpOrders        int       `json:"erp_orders"`
	// Findings counts the findings of the ERP's pages so far, then (when the
	// run completed) all of them.
	Findings int `json:"findings"`
}

// StartReconcile starts a reconciliation run asked for by ops, under its
// reconciliation ID (conflict policy FAIL, reuse policy REJECT_DUPLICATE: one
// run per ID; a repeated request is answered by the API's Idempotency-Key).
func StartReconcile(ctx context.Context, c client.Client, in ReconcileInput) (client.WorkflowRun, error) {
	if field, msg := ValidatePeriod(in.From, in.To); field != "" {
		return nil, fmt.Errorf("erpsync: reconciliation %s: %s", field, msg)
	}
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       ReconcileWorkflowID(in.ReconciliationID),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary: fmt.Sprintf("ERP reconciliation · orders placed %s to %s",
			in.From.UTC().Format(time.RFC3339), in.To.UTC().Format(time.RFC3339)),
	}, ReconcileWorkflowName, in)
}

// The ERP pulls: workflows that each pull one of the ERP's change feeds page by
// page from a stored cursor (ErpStockPull, ErpPricePull in pull.go), started by
// a Temporal Schedule of their own and by ops through TriggerStockPull and
// TriggerPricePull. Their registered names:
const (
	StockPullWorkflowName = "ErpStockPull"
	PricePullWorkflowName = "ErpPricePull"
)

// The pulls' schedules, and the IDs of the runs they start, one at a time.
const (
	StockPullScheduleID = "erp-stock-pull"
	StockPullWorkflowID = "erp-stock-pull"
	PricePullScheduleID = "erp-price-pull"
	PricePullWorkflowID = "erp-price-pull"
)

// How often the schedules pull: stock moves all day, price lists seldom.
const (
	StockPullEvery = 5 * time.Minute
	PricePullEvery = time.Hour
)

// PullInput sizes a pull; the zero value is the schedules'.
type PullInput struct {
	// PageSize is the most changes one page asks for (0: DefaultPullPageSize).
	PageSize int `json:"page_size,omitempty"`
	// PagesPerRun is how many pages one run pulls before it continues as new,
	// so a long pull's history stays short (0: DefaultPullPagesPerRun).
	PagesPerRun int `json:"pages_per_run,omitempty"`
	// Carried are the totals of the runs this one continues.
	Carried PullResult `json:"carried,omitzero"`
}

// PullResult counts what a pull did, over all its runs (see
// erp.PullPageResult).
type PullResult struct {
	Pages   int `json:"pages"`
	Applied int `json:"applied"`
	// Clamped is the stock pull's only.
	Clamped int `json:"clamped"`
	Skipped int `json:"skipped"`
}

// Sizes of a pull unless its input says otherwise.
const (
	DefaultPullPageSize    = 200
	DefaultPullPagesPerRun = 50
)

// ensuredSchedules are the ERP schedules the worker keeps.
func ensuredSchedules() []workflows.Schedule {
	return []workflows.Schedule{stockPull.schedule(), pricePull.schedule(), reconcileSchedule()}
}

// schedulePull is one of the ERP pulls as its schedule starts it.
type schedulePull struct {
	scheduleID, workflowID, workflowName, summary string
	every                                         time.Duration
}

var (
	stockPull = schedulePull{scheduleID: StockPullScheduleID, workflowID: StockPullWorkflowID,
		workflowName: StockPullWorkflowName, summary: "ERP stock pull", every: StockPullEvery}
	pricePull = schedulePull{scheduleID: PricePullScheduleID, workflowID: PricePullWorkflowID,
		workflowName: PricePullWorkflowName, summary: "ERP price pull", every: PricePullEvery}
)

// schedule is the pull's schedule: every p.every, one run at a time (a tick
// while a pull runs is skipped: that pull reads the changes anyway).
func (p schedulePull) schedule() workflows.Schedule {
	return workflows.Schedule{ID: p.scheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: p.every}}},
		Action: &client.ScheduleWorkflowAction{
			ID: p.workflowID, Workflow: p.workflowName, TaskQueue: TaskQueue,
			Args: []any{PullInput{}}, StaticSummary: p.summary,
		},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP}
}

// reconcileSchedule: daily at ReconcileHourUTC:00 UTC, reconciling the
// previous UTC day; a tick while a run goes on is skipped.
func reconcileSchedule() workflows.Schedule {
	return workflows.Schedule{ID: ReconcileScheduleID,
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: ReconcileHourUTC}}, Minute: []client.ScheduleRange{{Start: 0}},
		}}},
		Action: &client.ScheduleWorkflowAction{
			ID: ReconcileScheduleWorkflowID, Workflow: ReconcileWorkflowName, TaskQueue: TaskQueue,
			Args: []any{ReconcileInput{Trigger: erp.TriggerSchedule}}, StaticSummary: "ERP reconciliation of the previous UTC day",
		},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP}
}

// EnsureSchedules creates the ERP schedules (the stock and price pulls, the
// reconciliation), or puts an existing one back to its spec, action and
// overlap policy above; calling it at every worker start is harmless. A
// pause set by ops is kept.
func EnsureSchedules(ctx context.Context, c client.Client) error {
	var errs []error
	for _, s := range ensuredSchedules() {
		if err := workflows.EnsureSchedule(ctx, c, s); err != nil {
			errs = append(errs, fmt.Errorf("erpsync: schedule %s: %w", s.ID, err))
		}
	}
	return errors.Join(errs...)
}

// TriggerStockPull starts a stock pull now (ops), creating the schedule first
// if it is missing. A trigger while a pull runs is buffered: it runs when that
// pull ends, so the changes the ERP has now are always read.
func TriggerStockPull(ctx context.Context, c client.Client) error { return stockPull.trigger(ctx, c) }

// TriggerPricePull starts a price pull now (ops), as TriggerStockPull does a
// stock pull.
func TriggerPricePull(ctx context.Context, c client.Client) error { return pricePull.trigger(ctx, c) }

func (p schedulePull) trigger(ctx context.Context, c client.Client) error {
	h := c.ScheduleClient().GetHandle(ctx, p.scheduleID)
	err := h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE})
	var missing *serviceerror.NotFound
	if !errors.As(err, &missing) {
		return err
	}
	if err := workflows.EnsureSchedule(ctx, c, p.schedule()); err != nil {
		return err
	}
	return h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE})
}
