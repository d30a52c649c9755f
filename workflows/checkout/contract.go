// Package checkout is the checkout process: a cart becomes an order. This file
// is its contract: everything a caller (the API, ops tooling, tests, and later
// the quote process) needs to start, steer and read a checkout, and nothing
// else. The state machine is in workflow.go, the approval updates in
// approval.go.
package checkout

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// TaskQueue is the task queue of checkout workflows and their activities. Each
// process has its own queue, so a slow ERP cannot starve checkout.
const TaskQueue = "orderflow-checkout"

// WorkflowName is the registered name of the checkout workflow.
const WorkflowName = "Checkout"

// VersioningBehavior pins a checkout to the worker deployment version (the
// build) it started on, under Temporal's worker versioning
// (docs/deployment.md). A checkout is the saga that holds spend, stock and a
// payment authorization, and its compensations must be the code that took
// them; most end in seconds, so keeping the old build until its checkouts are
// over costs little. Only one that waits for an approver runs longer, up to
// the company's approval timeout (3 days unless an admin set another): the old
// build keeps running until its version is drained.
const VersioningBehavior = workflow.VersioningBehaviorPinned

// WorkflowID is the ID of a cart's checkout. Deriving it from the cart means a
// retried or doubled request lands on the same workflow and can never create a
// second order.
func WorkflowID(cartID uuid.UUID) string { return "checkout/" + cartID.String() }

// StatusQuery answers the checkout's current Result, for ops and debugging (the
// API reads the Postgres projection instead).
const StatusQuery = "checkout_status"

// DecideApprovalUpdate approves or rejects a checkout waiting in
// awaiting_approval. Its validator refuses, synchronously and without a trace in
// history, a decider of another company, a role below the one required, the
// buyer themself, and any decision once one was made.
const DecideApprovalUpdate = "decide_approval"

// WithdrawUpdate lets the buyer withdraw a checkout that waits for approval.
const WithdrawUpdate = "withdraw_checkout"

// Metrics a checkout emits when it ends, through the SDK's workflow metrics
// handler, which records nothing while a workflow replays: so a checkout is
// counted once, however often its history is replayed (docs/operations.md).
const (
	// PlacedMetric counts checkouts that placed their order.
	PlacedMetric = "orderflow_checkouts_placed"
	// RefusedMetric counts checkouts that ended without an order, by the
	// label "code": the commerce.RefusalCode of the rejection.
	RefusedMetric = "orderflow_checkouts_refused"
)

// Search attributes checkout owns, besides workflows.CompanyIDKey and
// workflows.CustomerIDKey. Ops filter on them in the Temporal UI, e.g.
// CheckoutStatus="failed" AND CompanyId="…".
var (
	// CartIDKey is the cart being checked out.
	CartIDKey = temporal.NewSearchAttributeKeyKeyword("CartId")
	// StatusKey is the checkout's commerce.CheckoutStatus.
	StatusKey = temporal.NewSearchAttributeKeyKeyword("CheckoutStatus")
	// TotalKey is the total the checkout placed, in minor units of the
	// company currency; set once the order is placed.
	TotalKey = temporal.NewSearchAttributeKeyInt64("CheckoutTotal")
)

// SearchAttributes are every search attribute a checkout sets, for registering
// them on a namespace.
var SearchAttributes = append([]temporal.SearchAttributeKey{CartIDKey, StatusKey, TotalKey},
	workflows.SharedSearchAttributes...)

// Input starts a checkout. Prices are not part of it: the workflow always
// reprices from the catalogue.
type Input struct {
	CartID     uuid.UUID `json:"cart_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
}

// Result is how a checkout ended (or, from the status query, where it is). A
// business refusal is a result with Status failed and a Rejection, not a
// workflow error: the workflow did its job, and ops see failures as Completed
// runs with CheckoutStatus="failed".
type Result struct {
	Status    commerce.CheckoutStatus `json:"status"`
	OrderID   uuid.UUID               `json:"order_id,omitempty"`
	Totals    *commerce.Totals        `json:"totals,omitempty"`
	Rejection *commerce.Rejection     `json:"rejection,omitempty"`
	Approval  *ApprovalState          `json:"approval,omitempty"`
}

// ApprovalState is where a checkout's approval stands.
type ApprovalState struct {
	Status       commerce.ApprovalStatus `json:"status"`
	RequiredRole commerce.Role           `json:"required_role"`
	Reasons      []string                `json:"reasons"`
	Deadline     time.Time               `json:"deadline"`
	DecidedBy    uuid.UUID               `json:"decided_by,omitempty"`
	Comment      string                  `json:"comment,omitempty"`
}

// MaxCommentBytes bounds an approval decision's comment.
const MaxCommentBytes = 2000

// ApprovalDecisionInput is one decision on a waiting checkout. The API fills in
// who decides from the caller's token; the workflow checks it may.
type ApprovalDecisionInput struct {
	Approve          bool          `json:"approve"`
	DeciderID        uuid.UUID     `json:"decider_id"`
	DeciderRole      commerce.Role `json:"decider_role"`
	DeciderCompanyID uuid.UUID     `json:"decider_company_id"`
	Comment          string        `json:"comment"`
}

// WithdrawInput names who withdraws; only the buyer may.
type WithdrawInput struct {
	ByID uuid.UUID `json:"by_id"`
}

// OrderIDForCart derives the order ID a cart's checkout creates. Deterministic,
// so every retry and every re-run of the checkout names the same order.
func OrderIDForCart(cartID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(orderIDNamespace, cartID[:])
}

var orderIDNamespace = uuid.MustParse("5f8e0c1e-7a0b-4d55-9c55-0f1c0a7d0e01")

// PaymentKey is the payment provider idempotency key of one checkout attempt.
func PaymentKey(cartID uuid.UUID, attempt int) string { return payment.CheckoutKey(cartID, attempt) }

// Summary is what ops read about a checkout in the Temporal UI's list of
// workflows, before they open it.
type Summary struct {
	BuyerName string
	Lines     int
	Currency  string
}

// String is the one-line summary, e.g. "Checkout · Bob Baker · 3 lines · EUR".
func (s Summary) String() string {
	lines := "1 line"
	if s.Lines != 1 {
		lines = fmt.Sprintf("%d lines", s.Lines)
	}
	return fmt.Sprintf("Checkout · %s · %s · %s", s.BuyerName, lines, s.Currency)
}

// Start starts the cart's checkout, or joins the one that is running. Every
// caller starts checkouts through it, so they all share its ID policies:
//   - conflict policy USE_EXISTING: a doubled or concurrent request joins the
//     running checkout instead of starting a second one;
//   - reuse policy ALLOW_DUPLICATE: a failed checkout reopens the cart, and the
//     buyer may try again. A cart that became an order is refused by the
//     caller, and the workflow's first step reports the existing order if a
//     request races past that check.
//
// The search attributes and the summary are set at start, so the checkout can
// be found and read in the UI before its first workflow task runs.
//
// Eager start: when a checkout worker runs on the same client (`orderflow
// dev`, the tests' Stack) and has a free slot, the server hands it the first
// workflow task in its answer to the start instead of through the task queue,
// one trip through matching fewer. A process without that worker (`orderflow
// serve`) starts as before.
func Start(ctx context.Context, c client.Client, in Input, summary Summary) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(in.CartID),
		TaskQueue:                TaskQueue,
		EnableEagerStart:         true,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    startAttributes(in),
		StaticSummary:            summary.String(),
	}, WorkflowName, in)
}

// StartChild starts the cart's checkout as a child of the calling workflow (an
// accepted quote), with the same ID, reuse policy, search attributes and
// summary as Start. The checkout outlives its parent (parent close policy
// ABANDON): an order in flight is never cancelled because the quote's workflow
// ended. Starting it while the cart's checkout runs fails; after a failed one
// (the cart is open again) it starts a new attempt.
func StartChild(ctx workflow.Context, in Input, summary Summary) workflow.ChildWorkflowFuture {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            WorkflowID(in.CartID),
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: startAttributes(in),
		StaticSummary:         summary.String(),
	})
	return workflow.ExecuteChildWorkflow(ctx, WorkflowName, in)
}

// startAttributes are the search attributes a checkout has from its start.
func startAttributes(in Input) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
		workflows.CustomerIDKey.ValueSet(in.CustomerID.String()),
		CartIDKey.ValueSet(in.CartID.String()),
		StatusKey.ValueSet(string(commerce.CheckoutPending)),
	)
}

// DecideApproval sends an approver's decision to the cart's waiting checkout
// and returns the approval as the workflow recorded it. The update's validator
// refuses, as a *temporal.ApplicationError carrying a commerce.Rejection, a
// decision the caller may not make.
func DecideApproval(ctx context.Context, c client.Client, cartID uuid.UUID, in ApprovalDecisionInput) (ApprovalState, error) {
	return updateApproval(ctx, c, cartID, DecideApprovalUpdate, in)
}

// Withdraw sends the buyer's withdrawal to the cart's waiting checkout; refusals
// come back as with DecideApproval.
func Withdraw(ctx context.Context, c client.Client, cartID uuid.UUID, in WithdrawInput) (ApprovalState, error) {
	return updateApproval(ctx, c, cartID, WithdrawUpdate, in)
}

func updateApproval(ctx context.Context, c client.Client, cartID uuid.UUID, update string, arg any) (ApprovalState, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(cartID),
		UpdateName:   update,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var state ApprovalState
	if err == nil {
		err = handle.Get(ctx, &state)
	}
	return state, err
}
