package erp_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
)

// stockERP is a fake ERP whose stock feed is a list: a cursor is the index of
// the next change, and an empty page hands the cursor back, as the contract
// says.
type stockERP struct {
	*fakeERP
	mu      sync.Mutex
	changes []erpapi.StockChange
	// beforeAnswer, when set, runs once before the next page is answered.
	beforeAnswer func(cursor string, page erpapi.StockPage)
}

func (e *stockERP) record(sku string, onHand int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.changes = append(e.changes, erpapi.StockChange{SKU: sku, OnHand: onHand})
}

func (e *stockERP) StockChanges(_ context.Context, cursor string, limit int) (erpapi.StockPage, error) {
	e.mu.Lock()
	start := 0
	if cursor != "" {
		var err error
		if start, err = strconv.Atoi(cursor); err != nil {
			e.mu.Unlock()
			return erpapi.StockPage{}, &erp.RefusedError{Status: 400, Reason: erpapi.Error{Code: "bad_cursor", Message: err.Error()}}
		}
	}
	end := min(start+limit, len(e.changes))
	page := erpapi.StockPage{Items: append([]erpapi.StockChange{}, e.changes[start:end]...), NextCursor: strconv.Itoa(end)}
	if end == start {
		page.NextCursor = cursor
	}
	hook := e.beforeAnswer
	e.beforeAnswer = nil
	e.mu.Unlock()
	if hook != nil {
		hook(cursor, page)
	}
	return page, nil
}

// stockWorld is a database with the stock activities on a stockERP.
type stockWorld struct {
	*world
	stock *stockERP
}

func newStockWorld(t *testing.T) *stockWorld {
	t.Helper()
	w := newWorld(t)
	fake := &stockERP{fakeERP: w.erp}
	w.acts.Connector = fake
	return &stockWorld{world: w, stock: fake}
}

func (w *stockWorld) pull(t *testing.T, limit int) erp.PullStockPageResult {
	t.Helper()
	val, err := w.env.ExecuteActivity(w.acts.PullStockPage, erp.PullStockPageInput{Limit: limit})
	require.NoError(t, err)
	var out erp.PullStockPageResult
	require.NoError(t, val.Get(&out))
	return out
}

func (w *stockWorld) onHand(t *testing.T, sku string) int64 {
	t.Helper()
	return w.Stock(t, sku).OnHand
}

func (w *stockWorld) cursor(t *testing.T) string {
	t.Helper()
	c, err := w.Q.ErpCursorGet(context.Background(), erp.StockFeed)
	require.NoError(t, err)
	return c.Cursor
}

// Pages are applied in order with the cursor moving along; once the feed is
// drained a pull applies nothing, even over stock changed since.
func TestPullStockPageAppliesPagesOnce(t *testing.T) {
	t.Parallel()
	w := newStockWorld(t)
	a := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	b := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	w.stock.record(a, 40)
	w.stock.record(b, 50)
	w.stock.record(a, 41)

	require.Equal(t, erp.PullStockPageResult{Applied: 2, More: true}, w.pull(t, 2))
	require.Equal(t, "2", w.cursor(t))
	require.EqualValues(t, 40, w.onHand(t, a))
	require.EqualValues(t, 50, w.onHand(t, b))

	require.Equal(t, erp.PullStockPageResult{Applied: 1}, w.pull(t, 2))
	require.Equal(t, "3", w.cursor(t))
	require.EqualValues(t, 41, w.onHand(t, a))

	// Drained: the empty page hands the cursor back and changes nothing.
	testenv.SetStock(t, w.Pool, a, 7)
	require.Equal(t, erp.PullStockPageResult{}, w.pull(t, 2))
	require.Equal(t, "3", w.cursor(t))
	require.EqualValues(t, 7, w.onHand(t, a))
}

// A page another pull applied while this one was asking the ERP (a retried
// activity, a manual trigger racing the schedule) is not applied again.
func TestPullStockPageRepeatedPageAppliesNothing(t *testing.T) {
	t.Parallel()
	w := newStockWorld(t)
	sku := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 10)
	w.stock.record(sku, 40)
	w.stock.beforeAnswer = func(cursor string, page erpapi.StockPage) {
		// The other pull moved the cursor past the page, and stock moved on since.
		n, err := w.Q.ErpCursorAdvance(context.Background(), db.ErpCursorAdvanceParams{
			Feed: erp.StockFeed, Cursor: page.NextCursor, FromCursor: cursor})
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		testenv.SetStock(t, w.Pool, sku, 39)
	}
	require.Equal(t, erp.PullStockPageResult{}, w.pull(t, 10))
	require.EqualValues(t, 39, w.onHand(t, sku))
	require.Equal(t, "1", w.cursor(t))
}

// The ERP's count never takes on_hand below the units reserved for orders;
// SKUs Orderflow does not know are skipped, not errors.
func TestPullStockPageClampsAndSkips(t *testing.T) {
	t.Parallel()
	w := newStockWorld(t)
	sku := testenv.NewProduct(t, w.Pool, "EUR", 1_00, 100)
	_, err := w.Pool.Exec(context.Background(), `UPDATE stock SET reserved = 30 WHERE sku = $1`, sku)
	require.NoError(t, err)
	w.stock.record(sku, 12)
	w.stock.record("NO-SUCH-SKU", 5)

	require.Equal(t, erp.PullStockPageResult{Applied: 1, Clamped: 1, Skipped: 1}, w.pull(t, 10))
	st := w.Stock(t, sku)
	require.EqualValues(t, 30, st.OnHand)
	require.EqualValues(t, 30, st.Reserved)
	require.Equal(t, "2", w.cursor(t))
}

// A refused page is non-retryable and moves nothing.
func TestPullStockPageRefused(t *testing.T) {
	t.Parallel()
	w := newStockWorld(t)
	require.NoError(t, w.Q.ErpCursorSave(context.Background(), db.ErpCursorSaveParams{Feed: erp.StockFeed, Cursor: "garbage"}))
	_, err := w.env.ExecuteActivity(w.acts.PullStockPage, erp.PullStockPageInput{Limit: 10})
	requireNonRetryable(t, err, erp.ErrorTypeRefused)
	require.Equal(t, "garbage", w.cursor(t))
}
