package erp

import (
	"context"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
)

// PullStockPage fetches the stock changes after the stored cursor and applies
// them with the page's next cursor in one transaction, so a retried or
// repeated page is applied once. An ERP count below what is reserved is
// clamped to the reserved units; a SKU Orderflow has no stock row for is
// skipped.
func (a *Activities) PullStockPage(ctx context.Context, in PullPageInput) (PullPageResult, error) {
	return pullPage(ctx, a, StockFeed, in, a.stockChanges, applyStockChanges)
}

func (a *Activities) stockChanges(ctx context.Context, cursor string, limit int) (feedPage[erpapi.StockChange], error) {
	page, err := a.Connector.StockChanges(ctx, cursor, limit)
	return feedPage[erpapi.StockChange]{changes: page.Items, nextCursor: page.NextCursor}, err
}

// applyStockChanges sets each SKU's on hand to the ERP's count, never below
// what is reserved.
func applyStockChanges(ctx context.Context, q *db.Queries, changes []erpapi.StockChange) (PullPageResult, error) {
	var res PullPageResult
	for _, ch := range changes {
		row, err := q.StockSetOnHandFromERP(ctx, db.StockSetOnHandFromERPParams{Sku: ch.SKU, OnHand: ch.OnHand})
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
