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
// turns stuck, unless Input.RetryBudget says otherwise.
const DefaultRetryBudget = 24 * time.Hour

// Input names the order to push.
type Input struct {
	OrderID   uuid.UUID `json:"order_id"`
	CompanyID uuid.UUID `json:"company_id"`
	// RetryBudget is how long one push retries before it turns stuck (0:
	// DefaultRetryBudget); an ops retry grants it afresh.
	RetryBudget time.Duration `json:"retry_budget,omitempty"`
}

// budget is the retry budget the input asks for.
func (in Input) budget() time.Duration {
	if in.RetryBudget > 0 {
		return in.RetryBudget
	}
	return DefaultRetryBudget
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

// schedule is the pull's schedule as EnsureSchedules creates it or puts it
// back: every p.every, one run at a time (a tick while a pull runs is
// skipped: that pull reads the changes anyway).
func (p schedulePull) schedule() (client.ScheduleSpec, *client.ScheduleWorkflowAction, enumspb.ScheduleOverlapPolicy) {
	return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: p.every}}},
		&client.ScheduleWorkflowAction{
			ID: p.workflowID, Workflow: p.workflowName, TaskQueue: TaskQueue,
			Args: []any{PullInput{}}, StaticSummary: p.summary,
		},
		enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
}

// EnsureSchedules creates the ERP pull schedules, or puts existing ones back
// to their spec, action and overlap policy; calling it at every worker start
// is harmless. A pause set by ops is kept.
func EnsureSchedules(ctx context.Context, c client.Client) error {
	return errors.Join(stockPull.ensure(ctx, c), pricePull.ensure(ctx, c))
}

func (p schedulePull) ensure(ctx context.Context, c client.Client) error {
	spec, action, overlap := p.schedule()
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: p.scheduleID, Spec: spec, Action: action, Overlap: overlap,
	})
	var exists *serviceerror.AlreadyExists
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) && !errors.As(err, &exists) {
		return err
	}
	return c.ScheduleClient().GetHandle(ctx, p.scheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = overlap
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
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
	if err := p.ensure(ctx, c); err != nil {
		return err
	}
	return h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE})
}
