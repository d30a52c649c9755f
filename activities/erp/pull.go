package erp

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/db"
)

// The ERP's change feeds Orderflow pulls, as erp_cursors names them.
const (
	// StockFeed is the stock pull's feed (PullStockPage).
	StockFeed = "stock"
	// PriceFeed is the price pull's feed (PullPricePage).
	PriceFeed = "prices"
)

// PullPageInput sizes one page of a pull.
type PullPageInput struct {
	// Limit is the most changes the page asks the ERP for.
	Limit int
}

// PullPageResult counts what one page of a pull did.
type PullPageResult struct {
	// Applied counts the changes written (clamped ones included).
	Applied int
	// Clamped counts the applied stock changes that would have put on_hand
	// below the reserved units, so on_hand was set to the reserved units
	// instead (the stock pull only).
	Clamped int
	// Skipped counts changes Orderflow cannot apply: a SKU, or a price list,
	// it does not know, a price in a currency not the list's.
	Skipped int
	// More says the page was full: the ERP may have more after it.
	More bool
}

// feedPage is a page of a feed's changes and the cursor after it.
type feedPage[C any] struct {
	changes    []C
	nextCursor string
}

// pullPage fetches the changes of feed after its stored cursor and applies
// them (apply) in one transaction together with the page's next cursor, so a
// retried or repeated page is applied once: the cursor moves with the data.
// A refusal is non-retryable ("ErpRefused"); other ERP errors are retryable.
func pullPage[C any](ctx context.Context, a *Activities, feed string, in PullPageInput,
	fetch func(ctx context.Context, cursor string, limit int) (feedPage[C], error),
	apply func(ctx context.Context, q *db.Queries, changes []C) (PullPageResult, error),
) (PullPageResult, error) {
	cursor, err := db.New(a.DB).ErpCursorGet(ctx, feed)
	if err != nil && !db.IsNotFound(err) {
		return PullPageResult{}, err
	}
	page, err := fetch(ctx, cursor.Cursor, in.Limit)
	if err != nil {
		return PullPageResult{}, classify(err)
	}

	var res PullPageResult
	err = db.InTx(ctx, a.DB, func(q *db.Queries) error {
		res = PullPageResult{}
		// The cursor moves first, and only from where this page began: a
		// page another pull applied meanwhile is not applied again.
		moved, err := q.ErpCursorAdvance(ctx, db.ErpCursorAdvanceParams{
			Feed: feed, Cursor: page.nextCursor, FromCursor: cursor.Cursor})
		if err != nil || moved == 0 {
			return err
		}
		res, err = apply(ctx, q, page.changes)
		return err
	})
	if err != nil {
		return PullPageResult{}, err
	}
	res.More = in.Limit > 0 && len(page.changes) >= in.Limit
	activity.GetLogger(ctx).Info("erp page pulled", "feed", feed, "applied", res.Applied, "clamped", res.Clamped,
		"skipped", res.Skipped, "more", res.More)
	return res, nil
}
