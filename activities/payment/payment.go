package payment

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Activities are the payment activities: calls to the Provider, recorded on the
// timeline.
type Activities struct {
	DB       *pgxpool.Pool
	Provider Provider
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

// AuthorizePayment asks the payment provider to authorize the order total under
// the checkout's payment key.
func (a *Activities) AuthorizePayment(ctx context.Context, in AuthorizePaymentInput) (AuthorizePaymentResult, error) {
	auth, err := a.Provider.Authorize(ctx, Request{
		Key: in.PaymentKey, CartID: in.CartID, CompanyID: in.CompanyID, Amount: in.Amount,
	})
	if err != nil {
		return AuthorizePaymentResult{}, activities.Classify(err)
	}
	err = timeline.Record(ctx, db.New(a.DB), timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
		Kind: timeline.PaymentAuthorized, Actor: timeline.SystemActor, Detail: fmt.Sprintf("authorized %s (%s)", in.Amount, auth)})
	return AuthorizePaymentResult{AuthorizationID: auth}, err
}

// VoidPaymentInput voids the authorization made under PaymentKey.
type VoidPaymentInput struct {
	PaymentKey string    `json:"payment_key"`
	CartID     uuid.UUID `json:"cart_id"`
	Attempt    int       `json:"attempt"`
}

// VoidPayment voids the authorization made under the payment key, if any.
func (a *Activities) VoidPayment(ctx context.Context, in VoidPaymentInput) error {
	voided, err := a.Provider.Void(ctx, in.PaymentKey)
	if err != nil || !voided {
		return err
	}
	return timeline.Record(ctx, db.New(a.DB), timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
		Kind: timeline.PaymentVoided, Actor: timeline.SystemActor, Detail: "authorization voided"})
}

// AdjustPaymentInput captures or releases part of an order's authorization,
// once per ID (an invoice number, a cancellation of the order's workflow).
type AdjustPaymentInput struct {
	PaymentKey string         `json:"payment_key"`
	ID         string         `json:"id"`
	Amount     commerce.Money `json:"amount"`
	CartID     uuid.UUID      `json:"cart_id"`
	OrderID    uuid.UUID      `json:"order_id"`
}

// CapturePayment takes an invoiced part of the authorization.
func (a *Activities) CapturePayment(ctx context.Context, in AdjustPaymentInput) error {
	if err := a.Provider.Capture(ctx, Adjustment{Key: in.PaymentKey, ID: in.ID, Amount: in.Amount}); err != nil {
		return activities.Classify(err)
	}
	return timeline.Record(ctx, db.New(a.DB), timeline.Event{CartID: in.CartID, OrderID: in.OrderID, Kind: "payment_captured",
		Actor: timeline.SystemActor, Detail: fmt.Sprintf("captured %s (%s)", in.Amount, in.ID), DedupKey: "capture/" + in.ID})
}

// ReleasePayment gives back a part of the authorization that will never be
// taken (cancelled quantities).
func (a *Activities) ReleasePayment(ctx context.Context, in AdjustPaymentInput) error {
	if err := a.Provider.Release(ctx, Adjustment{Key: in.PaymentKey, ID: in.ID, Amount: in.Amount}); err != nil {
		return activities.Classify(err)
	}
	return timeline.Record(ctx, db.New(a.DB), timeline.Event{CartID: in.CartID, OrderID: in.OrderID, Kind: "payment_released",
		Actor: timeline.SystemActor, Detail: fmt.Sprintf("released %s (%s)", in.Amount, in.ID), DedupKey: "release/" + in.ID})
}

// RefundPayment gives back part of what was captured (a return's credit note).
func (a *Activities) RefundPayment(ctx context.Context, in AdjustPaymentInput) error {
	if err := a.Provider.Refund(ctx, Adjustment{Key: in.PaymentKey, ID: in.ID, Amount: in.Amount}); err != nil {
		return activities.Classify(err)
	}
	return timeline.Record(ctx, db.New(a.DB), timeline.Event{CartID: in.CartID, OrderID: in.OrderID, Kind: "payment_refunded",
		Actor: timeline.SystemActor, Detail: fmt.Sprintf("refunded %s (%s)", in.Amount, in.ID), DedupKey: "refund/" + in.ID})
}
