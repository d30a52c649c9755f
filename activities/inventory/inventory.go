// Package inventory holds stock for checkouts: a reservation per cart and
// checkout attempt, made all or nothing and given back by compensation.
package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/timeline"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
)

// Activities are the inventory activities.
type Activities struct {
	DB *pgxpool.Pool
}

// ReserveInventoryInput holds stock for one checkout attempt.
type ReserveInventoryInput struct {
	CartID  uuid.UUID           `json:"cart_id"`
	Attempt int                 `json:"attempt"`
	Lines   []commerce.CartLine `json:"lines"`
}

// ReserveInventory holds every line's units for one checkout attempt, all or
// nothing, in SKU order so concurrent checkouts cannot deadlock. Run twice for the
// same attempt, it finds its reservation and holds nothing more.
func (a *Activities) ReserveInventory(ctx context.Context, in ReserveInventoryInput) error {
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		done, err := q.StockReservationExistsByAttempt(ctx, db.StockReservationExistsByAttemptParams{CartID: in.CartID, Attempt: int32(in.Attempt)})
		if err != nil || done {
			return err
		}
		lines := slices.Clone(in.Lines)
		slices.SortFunc(lines, func(a, b commerce.CartLine) int { return strings.Compare(a.SKU, b.SKU) })
		for _, l := range lines {
			_, err := q.StockReserveFor(ctx, db.StockReserveForParams{
				CartID: in.CartID, Attempt: int32(in.Attempt), Sku: l.SKU, Quantity: l.Quantity,
			})
			if db.IsNotFound(err) {
				available := int64(0)
				if s, err := q.StockGet(ctx, l.SKU); err == nil {
					available = max(s.OnHand-s.Reserved, 0)
				}
				return commerce.RejectSKU(commerce.CodeInsufficientStock, l.SKU,
					fmt.Sprintf("only %d of %s available, %d requested", available, l.SKU, l.Quantity))
			}
			if err != nil {
				return err
			}
		}
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.StockReserved, Actor: timeline.SystemActor, Detail: fmt.Sprintf("reserved %d lines", len(lines))})
	})
	return activities.Classify(err)
}

// ReleaseInventoryInput releases one checkout attempt's stock.
type ReleaseInventoryInput struct {
	CartID  uuid.UUID `json:"cart_id"`
	Attempt int       `json:"attempt"`
}

// ReleaseInventory gives back what one checkout attempt reserved, in SKU order
// like ReserveInventory. Releasing what was never reserved, or twice, does
// nothing.
func (a *Activities) ReleaseInventory(ctx context.Context, in ReleaseInventoryInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		released, err := q.StockReservationDeleteByAttempt(ctx, db.StockReservationDeleteByAttemptParams{CartID: in.CartID, Attempt: int32(in.Attempt)})
		if err != nil || len(released) == 0 {
			return err
		}
		slices.SortFunc(released, func(a, b db.StockReservationDeleteByAttemptRow) int { return strings.Compare(a.Sku, b.Sku) })
		for _, r := range released {
			if err := q.StockRelease(ctx, db.StockReleaseParams{Sku: r.Sku, Quantity: r.Quantity}); err != nil {
				return err
			}
		}
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.StockReleased, Actor: timeline.SystemActor, Detail: fmt.Sprintf("released %d lines", len(released))})
	})
}
