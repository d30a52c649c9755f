package workflows

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
)

// CheckoutActivities is every side effect checkout performs. activities.Activities
// implements it, checked by the compiler there. Workflows may not import the
// activities package (it does I/O through pgx), so they call these by the names
// below; a test proves each name is a method of this interface.
type CheckoutActivities interface {
	// BeginCheckout freezes the cart (open → checking_out), reprices it from the
	// catalogue and checks stock.
	BeginCheckout(ctx context.Context, in BeginCheckoutInput) (BeginCheckoutResult, error)
	// ReserveInventory holds the cart's units for this attempt.
	ReserveInventory(ctx context.Context, in ReserveInventoryInput) error
	// ReleaseInventory gives back what ReserveInventory held (compensation).
	ReleaseInventory(ctx context.Context, in ReleaseInventoryInput) error
	// AuthorizePayment authorizes the order total with the payment provider.
	AuthorizePayment(ctx context.Context, in AuthorizePaymentInput) (AuthorizePaymentResult, error)
	// VoidPayment voids an authorization (compensation).
	VoidPayment(ctx context.Context, in VoidPaymentInput) error
	// PlaceOrder writes the order and completes the cart, in one transaction.
	PlaceOrder(ctx context.Context, in PlaceOrderInput) error
	// FailCheckout reopens the cart with the reason the checkout failed.
	FailCheckout(ctx context.Context, in FailCheckoutInput) error
	// ReserveSpend holds the order total against the buyer's and the company's
	// spending limits, and returns the company's approval rules, so the workflow
	// decides on approval with one round trip.
	ReserveSpend(ctx context.Context, in ReserveSpendInput) (ReserveSpendResult, error)
	// ReleaseSpend gives back what ReserveSpend held (compensation).
	ReleaseSpend(ctx context.Context, in ReleaseSpendInput) error
	// OpenApproval records that the checkout waits for an approver and tells
	// the approvers (outbox).
	OpenApproval(ctx context.Context, in OpenApprovalInput) error
	// CloseApproval records the decision (or withdrawal, or expiry) and tells
	// the buyer.
	CloseApproval(ctx context.Context, in CloseApprovalInput) error
}

// Activity names, as registered by the worker (the method names of
// CheckoutActivities).
const (
	BeginCheckoutActivity    = "BeginCheckout"
	ReserveInventoryActivity = "ReserveInventory"
	ReleaseInventoryActivity = "ReleaseInventory"
	AuthorizePaymentActivity = "AuthorizePayment"
	VoidPaymentActivity      = "VoidPayment"
	PlaceOrderActivity       = "PlaceOrder"
	FailCheckoutActivity     = "FailCheckout"
	ReserveSpendActivity     = "ReserveSpend"
	ReleaseSpendActivity     = "ReleaseSpend"
	OpenApprovalActivity     = "OpenApproval"
	CloseApprovalActivity    = "CloseApproval"
)

// BeginCheckoutInput names the cart and the buyer checking it out.
type BeginCheckoutInput struct {
	CartID     uuid.UUID `json:"cart_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
}

// BeginCheckoutResult is the cart as checkout will sell it.
type BeginCheckoutResult struct {
	// Attempt numbers this checkout of the cart; keys of reservations and payment
	// authorizations include it, so a checkout after a failed one starts clean.
	Attempt int `json:"attempt"`
	// Cart is the cart repriced from the catalogue.
	Cart commerce.PricedCart `json:"cart"`
	// AlreadyPlaced is set when the cart already became an order (a duplicate
	// request that started a new run after the first one finished).
	AlreadyPlaced *PlacedOrder `json:"already_placed,omitempty"`
	// Resumed is set when the cart was already frozen by this attempt: a checkout
	// run restarted by ops takes over where the last one stopped, and may hold
	// stock and credit that compensation must give back.
	Resumed bool `json:"resumed,omitempty"`
	// Refusal says why the cart cannot be sold as it is (empty, unknown SKU, no
	// price, not enough stock). Unless Resumed, the cart was left open with the
	// reason recorded, and nothing is held.
	Refusal *commerce.Rejection `json:"refusal,omitempty"`
}

// PlacedOrder identifies an order that exists.
type PlacedOrder struct {
	OrderID uuid.UUID       `json:"order_id"`
	Totals  commerce.Totals `json:"totals"`
}

// ReserveInventoryInput holds stock for one checkout attempt.
type ReserveInventoryInput struct {
	CartID  uuid.UUID           `json:"cart_id"`
	Attempt int                 `json:"attempt"`
	Lines   []commerce.CartLine `json:"lines"`
}

// ReleaseInventoryInput releases one checkout attempt's stock.
type ReleaseInventoryInput struct {
	CartID  uuid.UUID `json:"cart_id"`
	Attempt int       `json:"attempt"`
}

// AuthorizePaymentInput authorizes an amount. PaymentKey is the provider's
// idempotency key: the same key never authorizes twice.
type AuthorizePaymentInput struct {
	PaymentKey string         `json:"payment_key"`
	CartID     uuid.UUID      `json:"cart_id"`
	Attempt    int            `json:"attempt"`
	CompanyID  uuid.UUID      `json:"company_id"`
	Amount     commerce.Money `json:"amount"`
}

// AuthorizePaymentResult is the provider's authorization.
type AuthorizePaymentResult struct {
	AuthorizationID string `json:"authorization_id"`
}

// VoidPaymentInput voids the authorization made under PaymentKey.
type VoidPaymentInput struct {
	PaymentKey string    `json:"payment_key"`
	CartID     uuid.UUID `json:"cart_id"`
	Attempt    int       `json:"attempt"`
}

// PlaceOrderInput creates the order from the priced cart.
type PlaceOrderInput struct {
	OrderID    uuid.UUID           `json:"order_id"`
	CartID     uuid.UUID           `json:"cart_id"`
	CompanyID  uuid.UUID           `json:"company_id"`
	CustomerID uuid.UUID           `json:"customer_id"`
	Attempt    int                 `json:"attempt"`
	Cart       commerce.PricedCart `json:"cart"`
	PlacedAt   time.Time           `json:"placed_at"`
	// ApprovedBy is the approver who let the order through, if one had to.
	ApprovedBy uuid.UUID `json:"approved_by,omitempty"`
}

// FailCheckoutInput reopens the cart and records why the checkout failed.
// Attempt 0 means whatever attempt holds the cart (BeginCheckout's answer was
// lost, so the workflow does not know it).
type FailCheckoutInput struct {
	CartID    uuid.UUID          `json:"cart_id"`
	Attempt   int                `json:"attempt"`
	Rejection commerce.Rejection `json:"rejection"`
}

// SpendKey keys the spend one checkout attempt reserves against spending limits.
func SpendKey(cartID uuid.UUID, attempt int) string {
	return fmt.Sprintf("checkout/%s/%d", cartID, attempt)
}

// PaymentKey is the payment provider idempotency key of one checkout attempt.
func PaymentKey(cartID uuid.UUID, attempt int) string {
	return fmt.Sprintf("checkout/%s/%d", cartID, attempt)
}

// ReserveSpendInput holds an order total against spending limits at a moment
// (which decides the monthly and quarterly windows).
type ReserveSpendInput struct {
	CartID     uuid.UUID      `json:"cart_id"`
	Attempt    int            `json:"attempt"`
	CompanyID  uuid.UUID      `json:"company_id"`
	CustomerID uuid.UUID      `json:"customer_id"`
	Amount     commerce.Money `json:"amount"`
	At         time.Time      `json:"at"`
}

// ReserveSpendResult says which limits the order goes over (it was reserved
// anyway, because an approval rule lets approvers allow it) and what the
// company's approval policy is.
type ReserveSpendResult struct {
	Breaches        []commerce.LimitBreach  `json:"breaches,omitempty"`
	Rules           []commerce.ApprovalRule `json:"rules,omitempty"`
	ApprovalTimeout time.Duration           `json:"approval_timeout"`
}

// ReleaseSpendInput releases one checkout attempt's spend.
type ReleaseSpendInput struct {
	CartID  uuid.UUID `json:"cart_id"`
	Attempt int       `json:"attempt"`
}

// OpenApprovalInput records a checkout that waits for approval.
type OpenApprovalInput struct {
	CartID     uuid.UUID                 `json:"cart_id"`
	Attempt    int                       `json:"attempt"`
	CompanyID  uuid.UUID                 `json:"company_id"`
	CustomerID uuid.UUID                 `json:"customer_id"`
	Decision   commerce.ApprovalDecision `json:"decision"`
	Total      commerce.Money            `json:"total"`
	Deadline   time.Time                 `json:"deadline"`
}

// CloseApprovalInput records how an approval ended.
type CloseApprovalInput struct {
	CartID     uuid.UUID               `json:"cart_id"`
	Attempt    int                     `json:"attempt"`
	CompanyID  uuid.UUID               `json:"company_id"`
	CustomerID uuid.UUID               `json:"customer_id"`
	Status     commerce.ApprovalStatus `json:"status"`
	DecidedBy  uuid.UUID               `json:"decided_by,omitempty"`
	Comment    string                  `json:"comment,omitempty"`
}
