package erp

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
)

// PullStockPage fetches the stock changes after the stored cursor and applies
// them with the page's next cursor in one transaction, so a retried or
// repeated page is applied once. Each change sets one location's count (the
// default location's when it names none). An ERP count below what is reserved
// there is clamped to the reserved units; a SKU Orderflow has no stock for, or
// a location it does not have, is skipped.
func (a *Activities) PullStockPage(ctx context.Context, in PullPageInput) (PullPageResult, error) {
	return pullPage(ctx, a, StockFeed, in, a.stockChanges, applyStockChanges)
}

func (a *Activities) stockChanges(ctx context.Context, cursor string, limit int) (feedPage[erpapi.StockChange], error) {
	page, err := a.Connector.StockChanges(ctx, cursor, limit)
	return feedPage[erpapi.StockChange]{changes: page.Items, nextCursor: page.NextCursor}, err
}

// applyStockChanges sets each SKU's on hand at its location (the default
// location when the change names none) to the ERP's count, never below what
// is reserved there. Changes naming a location Orderflow does not have are
// skipped, like SKUs it does not have. They are applied in (SKU, location)
// order, the order checkouts lock stock rows in, keeping the feed's order
// among changes of one SKU and location (the last one wins).
func applyStockChanges(ctx context.Context, q *db.Queries, changes []erpapi.StockChange) (PullPageResult, error) {
	var res PullPageResult
	locations, err := stockLocations(ctx, q, changes)
	if err != nil {
		return res, err
	}
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, func(a, b erpapi.StockChange) int {
		la, lb := locations[a.Location], locations[b.Location]
		return cmp.Or(strings.Compare(a.SKU, b.SKU), bytes.Compare(la[:], lb[:]))
	})
	for _, ch := range changes {
		location, known := locations[ch.Location]
		if !known {
			res.Skipped++
			continue
		}
		row, err := q.StockSetOnHandFromERP(ctx, db.StockSetOnHandFromERPParams{Sku: ch.SKU, LocationID: location, OnHand: ch.OnHand})
		if db.IsNotFound(err) {
			res.Skipped++
			continue
		}
		if err != nil {
			return res, err
		}
		if row.OnHand != ch.OnHand {
			res.Clamped++
		}
		res.Applied++
	}
	return res, nil
}

// stockLocations resolves the location codes a page of changes names, ""
// being the default location; a code missing from the answer is unknown.
func stockLocations(ctx context.Context, q *db.Queries, changes []erpapi.StockChange) (map[string]uuid.UUID, error) {
	def, err := q.StockLocationGetDefault(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]uuid.UUID{"": def.ID}
	var codes []string
	for _, ch := range changes {
		if ch.Location != "" && !slices.Contains(codes, ch.Location) {
			codes = append(codes, ch.Location)
		}
	}
	if len(codes) == 0 {
		return out, nil
	}
	rows, err := q.StockLocationListByCodes(ctx, codes)
	for _, r := range rows {
		out[r.Code] = r.ID
	}
	return out, err
}
