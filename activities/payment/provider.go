// Package payment talks to the payment provider: a Provider interface, the
// built-in payment-on-account provider, and the activities checkout calls.
package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
)

// Provider authorizes, captures, releases, voids and refunds payments. Key is
// the idempotency key the workflow derives for one payment (for checkout: one
// per cart and attempt): authorizing the same key twice returns the first
// authorization, voiding twice is a no-op. Each capture, release or refund has
// an ID of its own (an invoice number, a cancellation), so a retried call
// changes nothing twice.
type Provider interface {
	// Authorize holds the amount; it returns the provider's authorization ID.
	Authorize(ctx context.Context, req Request) (authorizationID string, err error)
	// Capture takes part of the authorized amount (a shipment's invoice).
	Capture(ctx context.Context, a Adjustment) error
	// Release gives back part of the authorization that will never be taken
	// (cancelled quantities).
	Release(ctx context.Context, a Adjustment) error
	// Void releases the whole authorization; it tells whether it voided
	// anything.
	Void(ctx context.Context, key string) (voided bool, err error)
	// Refund pays back part of a captured amount.
	Refund(ctx context.Context, a Adjustment) error
}

// Adjustment is a change to the authorization made under Key, once per ID.
type Adjustment struct {
	Key    string
	ID     string
	Amount commerce.Money
}

// CheckoutKey is the payment key of one checkout attempt of a cart: the
// authorization an order is paid from.
func CheckoutKey(cartID uuid.UUID, attempt int) string {
	return fmt.Sprintf("checkout/%s/%d", cartID, attempt)
}

// ErrNotSupported is what a provider answers for an operation it does not do
// (yet): capture and refund wait for the order lifecycle.
var ErrNotSupported = errors.New("not supported by this payment provider")

// Request asks for an authorization of Amount on the company's account.
type Request struct {
	Key       string
	CartID    uuid.UUID
	CompanyID uuid.UUID
	Amount    commerce.Money
}
