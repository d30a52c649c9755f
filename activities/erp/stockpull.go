package erp

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/db"
)

// StockFeed is the erp_cursors feed of the stock pull.
const StockFeed = "stock"

// PullStockPageInput sizes one page of the stock pull.
type PullStockPageInput struct {
	// Limit is the most changes the page asks the ERP for.
	Limit int
}

// PullStockPageResult counts what one page did.
type PullStockPageResult struct {
	// Applied counts the changes written to stock (clamped ones included).
	Applied int
	// Clamped counts the applied changes that would have put on_hand below
	// the reserved units, so on_hand was set to the reserved units instead.
	Clamped int
	// Skipped counts changes for SKUs Orderflow has no stock row for.
	Skipped int
	// More says the page was full: the ERP may have more after it.
	More bool
}

// PullStockPage fetches the stock changes after the stored cursor and applies
// them in one transaction together with the page's next cursor, so a retried
// or repeated page is applied once: the cursor moves with the data. An ERP
// count below what is reserved is clamped to the reserved units; a SKU
// Orderflow does not know is skipped. A refusal is non-retryable
// ("ErpRefused"); other ERP errors are retryable.
func (a *Activities) PullStockPage(ctx context.Context, in PullStockPageInput) (PullStockPageResult, error) {
	cursor, err := db.New(a.DB).ErpCursorGet(ctx, StockFeed)
	if err != nil && !db.IsNotFound(err) {
		return PullStockPageResult{}, err
	}
	page, err := a.Connector.StockChanges(ctx, cursor.Cursor, in.Limit)
	if err != nil {
		return PullStockPageResult{}, classify(err)
	}

	var res PullStockPageResult
	err = db.InTx(ctx, a.DB, func(q *db.Queries) error {
		res = PullStockPageResult{}
		// The cursor moves first, and only from where this page began: a
		// page another pull applied meanwhile is not applied again.
		moved, err := q.ErpCursorAdvance(ctx, db.ErpCursorAdvanceParams{
			Feed: StockFeed, Cursor: page.NextCursor, FromCursor: cursor.Cursor})
		if err != nil || moved == 0 {
			return err
		}
		for _, ch := range page.Items {
			row, err := q.StockSetOnHandFromERP(ctx, db.StockSetOnHandFromERPParams{Sku: ch.SKU, OnHand: ch.OnHand})
			if db.IsNotFound(err) {
				res.Skipped++
				continue
			}
			if err != nil {
				return err
			}
			if row.OnHand != ch.OnHand {
				res.Clamped++
			}
			res.Applied++
		}
		return nil
	})
	if err != nil {
		return PullStockPageResult{}, err
	}
	res.More = in.Limit > 0 && len(page.Items) >= in.Limit
	activity.GetLogger(ctx).Info("erp stock page pulled", "applied", res.Applied, "clamped", res.Clamped,
		"skipped", res.Skipped, "more", res.More)
	return res, nil
}
