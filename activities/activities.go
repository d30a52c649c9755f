// Package activities performs every side effect of Orderflow's workflows:
// projections into Postgres, inventory reservations, payment calls. Each activity
// is idempotent, keyed by the business IDs the workflow passes (cart, checkout
// attempt, payment key), never by a value made up per attempt, so a retry or a
// replay after a worker crash changes nothing twice.
package activities

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows"
)

// Activities holds the dependencies of every activity. Register a *Activities
// with the worker; workflows call its methods by name.
type Activities struct {
	DB       *pgxpool.Pool
	Payments PaymentProvider
}

var _ workflows.CheckoutActivities = (*Activities)(nil)

// reject turns a business refusal into a non-retryable application error whose
// type is the rejection code and whose details carry the Rejection itself.
func reject(r *commerce.Rejection) error {
	return temporal.NewNonRetryableApplicationError(r.Message, string(r.Code), r, *r)
}

// asActivityError passes business refusals on as non-retryable errors and leaves
// every other error retryable.
func asActivityError(err error) error {
	if r, ok := commerce.AsRejection(err); ok {
		return reject(r)
	}
	return err
}

// Timeline event kinds.
const (
	eventCheckoutStarted   = "checkout_started"
	eventStockReserved     = "stock_reserved"
	eventStockReleased     = "stock_released"
	eventPaymentAuthorized = "payment_authorized"
	eventPaymentVoided     = "payment_voided"
	eventOrderPlaced       = "order_placed"
	eventCheckoutFailed    = "checkout_failed"
)

const systemActor = "system:checkout"

// recordEvent appends to the cart's timeline; dedup keys make a retried activity
// record its event once.
func recordEvent(ctx context.Context, q *db.Queries, cartID uuid.UUID, orderID uuid.NullUUID,
	attempt int, kind, actor, detail string) error {
	return q.TimelineEventCreate(ctx, db.TimelineEventCreateParams{
		CartID: cartID, OrderID: orderID, Kind: kind, Actor: actor, Detail: detail,
		DedupKey: fmt.Sprintf("%s/%d/%s", cartID, attempt, kind),
	})
}
