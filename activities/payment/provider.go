// Package payment talks to the payment provider: a Provider interface, the
// built-in payment-on-account provider, and the activities checkout calls.
package payment

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/commerce"
)

// Provider authorizes, captures, voids and refunds payments. Key is the
// idempotency key the workflow derives for one payment (for checkout: one per
// cart and attempt): authorizing the same key twice returns the first
// authorization, voiding or refunding twice is a no-op.
type Provider interface {
	// Authorize holds the amount; it returns the provider's authorization ID.
	Authorize(ctx context.Context, req Request) (authorizationID string, err error)
	// Capture takes the authorized amount (or part of it).
	Capture(ctx context.Context, key string, amount commerce.Money) error
	// Void releases an authorization; it tells whether it voided anything.
	Void(ctx context.Context, key string) (voided bool, err error)
	// Refund pays back (part of) a captured amount.
	Refund(ctx context.Context, key string, amount commerce.Money) error
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
