// Package workflows holds Orderflow's durable processes. This file is their
// contract: everything a caller (the API, ops tooling, tests) needs to start, steer
// and read them, and nothing else. Workflow code is deterministic: no I/O, no wall
// clock, no database.
package workflows

import (
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
)

// CheckoutTaskQueue is the task queue of checkout workflows and their activities.
// Each process has its own queue, so a slow ERP cannot starve checkout.
const CheckoutTaskQueue = "orderflow-checkout"

// CheckoutWorkflowID is the ID of a cart's checkout. Deriving it from the cart means
// a retried or doubled request lands on the same workflow and can never create a
// second order.
func CheckoutWorkflowID(cartID uuid.UUID) string { return "checkout/" + cartID.String() }

// CheckoutWorkflowName is the registered name of the checkout workflow.
const CheckoutWorkflowName = "Checkout"

// CheckoutStatusQuery answers the checkout's current CheckoutResult, for ops and
// debugging (the API reads the Postgres projection instead).
const CheckoutStatusQuery = "checkout_status"

// DecideApprovalUpdate approves or rejects a checkout waiting in
// awaiting_approval. Its validator refuses, synchronously and without a trace in
// history, a decider of another company, a role below the one required, the
// buyer themself, and any decision once one was made.
const DecideApprovalUpdate = "decide_approval"

// WithdrawCheckoutUpdate lets the buyer withdraw a checkout that waits for
// approval.
const WithdrawCheckoutUpdate = "withdraw_checkout"

// Search attributes, declared once. Ops filter on them in the Temporal UI, e.g.
// OrderStatus="placed" AND CompanyId="…". Their types must match what the
// namespace registers (see SearchAttributeTypes).
var (
	// CompanyIDKey is the buying company's ID.
	CompanyIDKey = temporal.NewSearchAttributeKeyKeyword("CompanyId")
	// CustomerIDKey is the buyer's ID.
	CustomerIDKey = temporal.NewSearchAttributeKeyKeyword("CustomerId")
	// CartIDKey is the cart being checked out.
	CartIDKey = temporal.NewSearchAttributeKeyKeyword("CartId")
	// OrderStatusKey is a commerce.OrderStatus.
	OrderStatusKey = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	// OrderTotalKey is the order total in minor units of the company currency.
	OrderTotalKey = temporal.NewSearchAttributeKeyInt64("OrderTotal")
)

// SearchAttributeTypes lists the custom search attributes a namespace must have,
// by name and Temporal type name, for the dev server's --search-attribute flags
// and for registering them on a real cluster.
var SearchAttributeTypes = map[string]string{
	"CompanyId":   "Keyword",
	"CustomerId":  "Keyword",
	"CartId":      "Keyword",
	"OrderStatus": "Keyword",
	"OrderTotal":  "Int",
}

// CheckoutInput starts a checkout. Prices are not part of it: the workflow always
// reprices from the catalogue.
type CheckoutInput struct {
	CartID     uuid.UUID `json:"cart_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
}

// CheckoutResult is how a checkout ended (or, from the status query, where it is).
// A business refusal is a result with Status failed and a Rejection, not a workflow
// error: the workflow did its job, and ops see failures as Completed runs with
// OrderStatus="failed".
type CheckoutResult struct {
	Status    commerce.OrderStatus `json:"status"`
	OrderID   uuid.UUID            `json:"order_id,omitempty"`
	Totals    *commerce.Totals     `json:"totals,omitempty"`
	Rejection *commerce.Rejection  `json:"rejection,omitempty"`
	Approval  *ApprovalState       `json:"approval,omitempty"`
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

// ApprovalDecisionInput is one decision on a waiting checkout. The API fills in
// who decides from the caller's token; the workflow checks it may.
type ApprovalDecisionInput struct {
	Approve          bool          `json:"approve"`
	DeciderID        uuid.UUID     `json:"decider_id"`
	DeciderRole      commerce.Role `json:"decider_role"`
	DeciderCompanyID uuid.UUID     `json:"decider_company_id"`
	Comment          string        `json:"comment"`
}

// WithdrawCheckoutInput names who withdraws; only the buyer may.
type WithdrawCheckoutInput struct {
	ByID uuid.UUID `json:"by_id"`
}

// OrderIDForCart derives the order ID a cart's checkout creates. Deterministic, so
// every retry and every re-run of the checkout names the same order.
func OrderIDForCart(cartID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(orderIDNamespace, cartID[:])
}

var orderIDNamespace = uuid.MustParse("5f8e0c1e-7a0b-4d55-9c55-0f1c0a7d0e01")
