// Package quote is the quote negotiation: a buyer requests a quote, a sales rep
// answers with numbered revisions, a sales manager approves discounts beyond
// the rep's authority, the offer holds until its validity runs out, and an
// accepted offer becomes an order through the normal checkout. This file is its
// contract; the state machine is in workflow.go, the updates in actions.go.
package quote

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// TaskQueue is the task queue of quote workflows and their activities, apart
// from checkout's, so a burst of quotes never slows checkouts down.
const TaskQueue = "orderflow-quote"

// WorkflowName is the registered name of the quote workflow.
const WorkflowName = "Quote"

// VersioningBehavior moves a quote to each new worker deployment version
// (build) as it becomes current (Temporal's worker versioning,
// docs/deployment.md): a quote waits for the sales team and the buyer for
// days or weeks, as long as its validity, so it upgrades rather than keep an
// old build alive, and a change to the workflow keeps old histories
// replayable (workflow.GetVersion, proved by the replay test).
const VersioningBehavior = workflow.VersioningBehaviorAutoUpgrade

// WorkflowID is the ID of a quote's workflow.
func WorkflowID(quoteID uuid.UUID) string { return "quote/" + quoteID.String() }

// StateQuery answers the quote's State, for ops and debugging (the API reads the
// Postgres projection).
const StateQuery = "quote_state"

// Update names: one per action (commerce.QuoteAction). Each has a validator that
// refuses, before anything is recorded, an action the caller may not take in the
// quote's status (commerce.CheckQuoteAction) or input the quote could never
// store. Every update answers the quote's State after the action.
const (
	// OpenUpdate records the request; Start sends it with the workflow's start.
	OpenUpdate           = "open"
	AssignUpdate         = "assign"          // AssignInput: claim (assignee = the caller) or assign
	DraftUpdate          = "draft"           // DraftInput
	SendUpdate           = "send"            // ActorInput
	DecideDiscountUpdate = "decide_discount" // DecideDiscountInput
	ExtendValidityUpdate = "extend_validity" // ExtendValidityInput
	AcceptUpdate         = "accept"          // AcceptInput
	DeclineUpdate        = "decline"         // ReasonInput
	RequestChangesUpdate = "request_changes" // ReasonInput
	WithdrawUpdate       = "withdraw"        // ActorInput
	CancelUpdate         = "cancel"          // ReasonInput
	RetryOrderUpdate     = "retry_order"     // ActorInput
)

// Search attributes quote owns, besides workflows.CompanyIDKey and
// workflows.CustomerIDKey, e.g. QuoteStatus="offered" AND QuoteValidUntil <
// "2026-12-04T00:00:00Z" for the offers that expire this week.
var (
	// StatusKey is the quote's commerce.QuoteStatus.
	StatusKey = temporal.NewSearchAttributeKeyKeyword("QuoteStatus")
	// SalesRepIDKey is the sales rep working the quote ("" in the queue).
	SalesRepIDKey = temporal.NewSearchAttributeKeyKeyword("SalesRepId")
	// TotalKey is the total of the revision on offer, in minor units.
	TotalKey = temporal.NewSearchAttributeKeyInt64("QuoteTotal")
	// ValidUntilKey is when the offer runs out.
	ValidUntilKey = temporal.NewSearchAttributeKeyTime("QuoteValidUntil")
)

// SearchAttributes are every search attribute a quote sets, for registering
// them on a namespace.
var SearchAttributes = append([]temporal.SearchAttributeKey{StatusKey, SalesRepIDKey, TotalKey, ValidUntilKey},
	workflows.SharedSearchAttributes...)

// Actor is who takes an action: the API fills it in from the caller's token.
type Actor struct {
	ID        uuid.UUID     `json:"id"`
	Role      commerce.Role `json:"role"`
	CompanyID uuid.UUID     `json:"company_id,omitempty"` // uuid.Nil for seller staff
	Name      string        `json:"name,omitempty"`
}

// Input starts a quote: the buyer's request. With SourceCartID the lines are
// the cart's, which is frozen while the quote runs.
type Input struct {
	QuoteID      uuid.UUID           `json:"quote_id"`
	CompanyID    uuid.UUID           `json:"company_id"`
	CustomerID   uuid.UUID           `json:"customer_id"`
	Currency     string              `json:"currency"`
	SourceCartID uuid.UUID           `json:"source_cart_id,omitempty"`
	Lines        []commerce.CartLine `json:"lines,omitempty"`
	Message      string              `json:"message"`
	TargetTotal  *int64              `json:"target_total,omitempty"`
	// Reminders are how long before expiry the buyer is reminded of an offer;
	// nil means commerce.DefaultQuoteReminders.
	Reminders []time.Duration `json:"reminders,omitempty"`
}

// ActorInput is an action with nothing to say but who takes it.
type ActorInput struct {
	Actor Actor `json:"actor"`
}

// AssignInput gives the quote to a sales rep: the caller themself (claim) or
// another rep (a sales manager's assignment).
type AssignInput struct {
	Actor      Actor     `json:"actor"`
	AssigneeID uuid.UUID `json:"assignee_id"`
}

// DraftInput is a revision as its author drafts it.
type DraftInput struct {
	Actor     Actor                        `json:"actor"`
	Lines     []commerce.RevisionLineInput `json:"lines"`
	Shipping  int64                        `json:"shipping"`
	ValidDays int                          `json:"valid_days"`
	Note      string                       `json:"note"`
}

// DecideDiscountInput is a sales manager's decision on a revision waiting for
// one.
type DecideDiscountInput struct {
	Actor   Actor  `json:"actor"`
	Approve bool   `json:"approve"`
	Comment string `json:"comment"`
}

// ExtendValidityInput holds the offer ValidDays from now.
type ExtendValidityInput struct {
	Actor     Actor `json:"actor"`
	ValidDays int   `json:"valid_days"`
}

// AcceptInput accepts the revision on offer, named so that a stale offer can
// never be accepted.
type AcceptInput struct {
	Actor    Actor `json:"actor"`
	Revision int   `json:"revision"`
}

// ReasonInput is an action with a reason or message (decline, request changes,
// cancel).
type ReasonInput struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason"`
}

// State is where a quote stands.
type State struct {
	QuoteID    uuid.UUID            `json:"quote_id"`
	Status     commerce.QuoteStatus `json:"status"`
	AssigneeID uuid.UUID            `json:"assignee_id,omitempty"`
	// OfferedRevision is the revision on offer (or accepted, or expired);
	// 0 before the first is sent.
	OfferedRevision int        `json:"offered_revision"`
	OfferedTotal    int64      `json:"offered_total,omitempty"`
	ValidUntil      *time.Time `json:"valid_until,omitempty"`
	// Draft is the revision being drafted, when there is one.
	Draft *DraftState `json:"draft,omitempty"`
	// Ordering is set while the accepted quote's checkout runs.
	Ordering     bool                `json:"ordering,omitempty"`
	OrderCartID  uuid.UUID           `json:"order_cart_id,omitempty"`
	OrderID      uuid.UUID           `json:"order_id,omitempty"`
	OrderRefusal *commerce.Rejection `json:"order_refusal,omitempty"`
}

// DraftState is the revision being drafted and what its author may do with it.
type DraftState struct {
	Revision     int      `json:"revision"`
	Total        int64    `json:"total"`
	ValidDays    int      `json:"valid_days"`
	NeedsManager bool     `json:"needs_manager"`
	Reasons      []string `json:"reasons,omitempty"`
}

// OrderCartID derives the cart an accepted revision is checked out from, so a
// retried acceptance never creates a second cart (nor a second order).
func OrderCartID(quoteID uuid.UUID, revision int) uuid.UUID {
	return uuid.NewSHA1(orderCartNamespace, []byte(fmt.Sprintf("%s/%d", quoteID, revision)))
}

var orderCartNamespace = uuid.MustParse("9b2d7c4e-3f1a-4e8b-a6d5-2c0e1f7a9b33")

// QuoteIDFor derives a quote's ID from the request's idempotency key, so a
// retried request lands on the same quote; without a key every request is a
// new quote.
func QuoteIDFor(principalID uuid.UUID, idempotencyKey string) uuid.UUID {
	if idempotencyKey == "" {
		return uuid.New()
	}
	return uuid.NewSHA1(quoteIDNamespace, []byte(principalID.String()+"/"+idempotencyKey))
}

var quoteIDNamespace = uuid.MustParse("3e6f0a9d-8c2b-4f71-b5e4-7d1c9a2b6e58")

// Start starts the quote's workflow and records the request in the same call
// (update-with-start), answering the State once the request is recorded, or the
// refusal (the cart is no longer open). A retried request (same QuoteID) joins
// the running workflow and gets its State.
func Start(ctx context.Context, c client.Client, in Input, summary string) (State, error) {
	op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       WorkflowID(in.QuoteID),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    startAttributes(in),
		StaticSummary:            summary,
	}, WorkflowName, in)
	handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{
			// One ID: Temporal itself answers a repeated open with the first
			// one's outcome.
			UpdateID:     OpenUpdate,
			UpdateName:   OpenUpdate,
			Args:         []any{ActorInput{Actor: Actor{ID: in.CustomerID, Role: commerce.RoleBuyer, CompanyID: in.CompanyID}}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return State{}, err
	}
	var st State
	return st, handle.Get(ctx, &st)
}

// Update sends one action to the quote and answers its State afterwards, or the
// refusal: a *temporal.ApplicationError carrying a commerce.Rejection.
func Update(ctx context.Context, c client.Client, quoteID uuid.UUID, update string, arg any) (State, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(quoteID),
		UpdateName:   update,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return State{}, err
	}
	var st State
	return st, handle.Get(ctx, &st)
}

func startAttributes(in Input) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
		workflows.CustomerIDKey.ValueSet(in.CustomerID.String()),
		StatusKey.ValueSet(string(commerce.QuoteRequested)),
	)
}

// toQuotesActor is the actor as the activities record it.
func (a Actor) toQuotesActor() quotes.Actor {
	return quotes.Actor{ID: a.ID, Role: a.Role, Name: a.Name}
}
