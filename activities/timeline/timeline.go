// Package timeline records who did what, and when, to a cart and the order it
// becomes. Every activity that changes state writes its event in the same
// transaction as the change.
package timeline

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
)

// Event kinds.
const (
	CheckoutStarted   = "checkout_started"
	CheckoutFailed    = "checkout_failed"
	StockReserved     = "stock_reserved"
	StockReleased     = "stock_released"
	PaymentAuthorized = "payment_authorized"
	PaymentVoided     = "payment_voided"
	SpendReserved     = "spend_reserved"
	SpendReleased     = "spend_released"
	ApprovalRequested = "approval_requested"
	OrderPlaced       = "order_placed"
)

// SystemActor is the actor of what checkout does on its own.
const SystemActor = "system:checkout"

// CustomerActor names an employee of a buying company as an actor.
func CustomerActor(id uuid.UUID) string { return "customer:" + id.String() }

// StaffActor names a member of the seller's staff as an actor (a sales rep
// acting for a buyer).
func StaffActor(id uuid.UUID) string { return "staff:" + id.String() }

// Event kinds of carts a sales rep builds on behalf of a buyer.
const (
	CartBuiltOnBehalf = "cart_built_on_behalf"
	CartSentToBuyer   = "cart_sent_to_buyer"
)

// Event is one entry of a cart's timeline (and of the order it became).
// Attempt is the checkout attempt it belongs to (0 before any); with Kind it
// makes the dedup key, so a retried activity records its event once. Events of
// the order's life after checkout name their own DedupKey instead (the order
// and the step of its workflow).
type Event struct {
	CartID   uuid.UUID
	OrderID  uuid.UUID // uuid.Nil until the cart became an order
	Attempt  int
	Kind     string
	Actor    string
	Detail   string
	DedupKey string
}

// Record appends e to the cart's timeline, once.
func Record(ctx context.Context, q *db.Queries, e Event) error {
	_, err := Claim(ctx, q, e)
	return err
}

// Claim appends e to the timeline and tells whether it is new: false means a
// retried activity recorded it before, and so did the rest of its transaction.
func Claim(ctx context.Context, q *db.Queries, e Event) (bool, error) {
	n, err := q.TimelineEventCreate(ctx, db.TimelineEventCreateParams{
		CartID: e.CartID, OrderID: uuid.NullUUID{UUID: e.OrderID, Valid: e.OrderID != uuid.Nil},
		Kind: e.Kind, Actor: e.Actor, Detail: e.Detail, DedupKey: e.Key(),
	})
	return n > 0, err
}

// Key is the event's dedup key: DedupKey, else one event of its kind per cart
// and checkout attempt.
func (e Event) Key() string {
	if e.DedupKey != "" {
		return e.DedupKey
	}
	return fmt.Sprintf("%s/%d/%s", e.CartID, e.Attempt, e.Kind)
}
