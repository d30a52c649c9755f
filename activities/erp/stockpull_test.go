package erp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
)

func (w *feedWorld) pullStock(t *testing.T, limit int) erp.PullPageResult {
	t.Helper()
	return w.pull(t, w.acts.PullStockPage, limit)
}

func (w *feedWorld) recordStock(sku string, onHand int64) {
	w.feeds.stock.record(erpapi.StockChange{SKU: sku, OnHand: onHand})
}

func (w *feedWorld) onHand(t *testing.T, sku string) int64 {
	t.Helper()
	return w.Stock(t, sku).OnHand
}

// Pages are applied in order with the cursor moving along; once the feed is
// drained a pull applies nothing, even over stock changed since.
func TestPullStockPageAppliesPagesOnce(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	a := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	b := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	w.recordStock(a, 40)
	w.recordStock(b, 50)
	w.recordStock(a, 41)

	require.Equal(t, erp.PullPageResult{Applied: 2, More: true}, w.pullStock(t, 2))
	require.Equal(t, "2", w.cursor(t, erp.StockFeed))
	require.EqualValues(t, 40, w.onHand(t, a))
	require.EqualValues(t, 50, w.onHand(t, b))

	require.Equal(t, erp.PullPageResult{Applied: 1}, w.pullStock(t, 2))
	require.Equal(t, "3", w.cursor(t, erp.StockFeed))
	require.EqualValues(t, 41, w.onHand(t, a))

	// Drained: the empty page hands the cursor back and changes nothing.
	testenv.SetStock(t, w.Pool, a, 7)
	require.Equal(t, erp.PullPageResult{}, w.pullStock(t, 2))
	require.Equal(t, "3", w.cursor(t, erp.StockFeed))
	require.EqualValues(t, 7, w.onHand(t, a))
}

// A page another pull applied while this one was asking the ERP (a retried
// activity, a manual trigger racing the schedule) is not applied again.
func TestPullStockPageRepeatedPageAppliesNothing(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	sku := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	w.recordStock(sku, 40)
	// The other pull applied the page, and stock moved on since.
	w.feeds.stock.beforeAnswer = w.moveCursorFirst(t, erp.StockFeed, func() { testenv.SetStock(t, w.Pool, sku, 39) })
	require.Equal(t, erp.PullPageResult{}, w.pullStock(t, 10))
	require.EqualValues(t, 39, w.onHand(t, sku))
	require.Equal(t, "1", w.cursor(t, erp.StockFeed))
}

// The ERP's count never takes on_hand below the units reserved for orders;
// SKUs Orderflow does not know are skipped, not errors.
func TestPullStockPageClampsAndSkips(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	sku := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 100)
	_, err := w.Pool.Exec(context.Background(), `UPDATE stock SET reserved = 30 WHERE sku = $1`, sku)
	require.NoError(t, err)
	w.recordStock(sku, 12)
	w.recordStock("NO-SUCH-SKU", 5)

	require.Equal(t, erp.PullPageResult{Applied: 1, Clamped: 1, Skipped: 1}, w.pullStock(t, 10))
	st := w.Stock(t, sku)
	require.EqualValues(t, 30, st.OnHand)
	require.EqualValues(t, 30, st.Reserved)
	require.Equal(t, "2", w.cursor(t, erp.StockFeed))
}

// A refused page is non-retryable and moves nothing.
func TestPullStockPageRefused(t *testing.T) {
	t.Parallel()
	w := newFeedWorld(t)
	require.NoError(t, w.Q.ErpCursorSave(context.Background(), db.ErpCursorSaveParams{Feed: erp.StockFeed, Cursor: "garbage"}))
	_, err := w.env.ExecuteActivity(w.acts.PullStockPage, erp.PullPageInput{Limit: 10})
	requireNonRetryable(t, err, erp.ErrorTypeRefused)
	require.Equal(t, "garbage", w.cursor(t, erp.StockFeed))
}
