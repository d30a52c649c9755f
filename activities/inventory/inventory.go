// Package inventory holds stock for checkouts: a reservation per cart and
// checkout attempt, made all or nothing and given back by compensation.
package inventory

import (
	"bytes"
	"cmp"
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
// nothing, each at the locations commerce.AllocateLine chooses: the company's
// preferred location first, then the nearest to the cart's ship-to
// (commerce.RankLocations); a line no single location can fill is split across
// locations. Lines are taken in SKU order and each SKU's stock rows are locked
// in location ID order, so concurrent checkouts lock rows in one global order
// and cannot deadlock; the allocation reads locked counts, and each
// reservation still takes its units only while on_hand - reserved covers them.
// Run twice for the same attempt, it finds its reservation and holds nothing
// more.
func (a *Activities) ReserveInventory(ctx context.Context, in ReserveInventoryInput) error {
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		done, err := q.StockReservationExistsByAttempt(ctx, db.StockReservationExistsByAttemptParams{CartID: in.CartID, Attempt: int32(in.Attempt)})
		if err != nil || done {
			return err
		}
		preferred, to, err := drawingRule(ctx, q, in.CartID)
		if err != nil {
			return err
		}
		lines := mergeLines(in.Lines)
		skus := make([]string, len(lines))
		for i, l := range lines {
			skus[i] = l.SKU
		}
		locked, err := q.StockLockBySKUs(ctx, skus)
		if err != nil {
			return err
		}
		rowsBySKU := map[string][]db.StockLockBySKUsRow{}
		for _, r := range locked {
			rowsBySKU[r.Sku] = append(rowsBySKU[r.Sku], r)
		}
		var held []string
		for _, l := range lines {
			allocs, err := reserveLine(ctx, q, in, l, rowsBySKU[l.SKU], preferred, to)
			if err != nil {
				return err
			}
			held = append(held, describeAllocations(l.SKU, allocs))
		}
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.StockReserved, Actor: timeline.SystemActor,
			Detail: fmt.Sprintf("reserved %d lines: %s", len(lines), strings.Join(held, "; "))})
	})
	return activities.Classify(err)
}

// drawingRule reads what choosing locations needs of the cart: its company's
// preferred location (its code, "" for none) and the ship-to.
func drawingRule(ctx context.Context, q *db.Queries, cartID uuid.UUID) (string, commerce.ShipTo, error) {
	r, err := q.CartDrawingRule(ctx, cartID)
	if err != nil {
		return "", commerce.ShipTo{}, err
	}
	return r.PreferredCode, commerce.ShipTo{Country: r.ShipCountry, PostalCode: r.ShipPostalCode}, nil
}

// mergeLines sums the lines' quantities per SKU, in SKU order (the lock order).
func mergeLines(in []commerce.CartLine) []commerce.CartLine {
	var out []commerce.CartLine
	for _, l := range in {
		i := slices.IndexFunc(out, func(o commerce.CartLine) bool { return o.SKU == l.SKU })
		if i < 0 {
			out = append(out, l)
			continue
		}
		out[i].Quantity += l.Quantity
	}
	slices.SortFunc(out, func(a, b commerce.CartLine) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// reserveLine allocates the line over the SKU's stock rows (locked by the
// caller) and reserves each part at its location.
func reserveLine(ctx context.Context, q *db.Queries, in ReserveInventoryInput, l commerce.CartLine,
	rows []db.StockLockBySKUsRow, preferred string, to commerce.ShipTo) ([]commerce.Allocation, error) {
	locations := make([]commerce.StockLocation, len(rows))
	available := make(map[string]int64, len(rows))
	ids := make(map[string]uuid.UUID, len(rows))
	total := int64(0)
	for i, r := range rows {
		locations[i] = commerce.StockLocation{Code: r.Code, Country: r.Country, PostalPrefix: r.PostalPrefix, Priority: int(r.Priority)}
		available[r.Code] = r.OnHand - r.Reserved
		ids[r.Code] = r.LocationID
		total += max(r.OnHand-r.Reserved, 0)
	}
	insufficient := commerce.RejectSKU(commerce.CodeInsufficientStock, l.SKU,
		fmt.Sprintf("only %d of %s available, %d requested", total, l.SKU, l.Quantity))
	allocs, ok := commerce.AllocateLine(commerce.RankLocations(locations, preferred, to), available, l.Quantity)
	if !ok {
		return nil, insufficient
	}
	for _, al := range allocs {
		_, err := q.StockReserveFor(ctx, db.StockReserveForParams{
			CartID: in.CartID, Attempt: int32(in.Attempt), Sku: l.SKU, LocationID: ids[al.Location], Quantity: al.Quantity,
		})
		if db.IsNotFound(err) {
			return nil, insufficient // not reachable while the rows are locked; never oversell if it were
		}
		if err != nil {
			return nil, err
		}
	}
	return allocs, nil
}

// describeAllocations says where a line's units are held: "BOLT 8 (paris 6, lille 2)".
func describeAllocations(sku string, allocs []commerce.Allocation) string {
	parts := make([]string, len(allocs))
	total := int64(0)
	for i, al := range allocs {
		parts[i] = fmt.Sprintf("%s %d", al.Location, al.Quantity)
		total += al.Quantity
	}
	return fmt.Sprintf("%s %d (%s)", sku, total, strings.Join(parts, ", "))
}

// ReleaseInventoryInput releases one checkout attempt's stock.
type ReleaseInventoryInput struct {
	CartID  uuid.UUID `json:"cart_id"`
	Attempt int       `json:"attempt"`
}

// ReleaseInventory gives back what one checkout attempt reserved, each
// reservation's units to the location it held them at, in (SKU, location ID)
// order like ReserveInventory's locks. Releasing what was never reserved, or
// twice, does nothing.
func (a *Activities) ReleaseInventory(ctx context.Context, in ReleaseInventoryInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		released, err := q.StockReservationDeleteByAttempt(ctx, db.StockReservationDeleteByAttemptParams{CartID: in.CartID, Attempt: int32(in.Attempt)})
		if err != nil || len(released) == 0 {
			return err
		}
		slices.SortFunc(released, func(a, b db.StockReservationDeleteByAttemptRow) int {
			return cmp.Or(strings.Compare(a.Sku, b.Sku), bytes.Compare(a.LocationID[:], b.LocationID[:]))
		})
		for _, r := range released {
			if err := q.StockRelease(ctx, db.StockReleaseParams{Sku: r.Sku, LocationID: r.LocationID, Quantity: r.Quantity}); err != nil {
				return err
			}
		}
		return timeline.Record(ctx, q, timeline.Event{CartID: in.CartID, Attempt: in.Attempt,
			Kind: timeline.StockReleased, Actor: timeline.SystemActor, Detail: fmt.Sprintf("released %d lines", len(released))})
	})
}
