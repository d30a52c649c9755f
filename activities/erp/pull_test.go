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
)

// fakeFeed is one of a fake ERP's change feeds, a list: a cursor is the index
// of the next change, and an empty page hands the cursor back, as the contract
// says.
type fakeFeed[C any] struct {
	mu      sync.Mutex
	changes []C
	// beforeAnswer, when set, runs once before the next page is answered.
	beforeAnswer func(cursor, nextCursor string)
}

func (f *fakeFeed[C]) record(c C) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, c)
}

// page answers up to limit changes after cursor, and the cursor after them.
func (f *fakeFeed[C]) page(cursor string, limit int) ([]C, string, error) {
	f.mu.Lock()
	start := 0
	if cursor != "" {
		var err error
		if start, err = strconv.Atoi(cursor); err != nil {
			f.mu.Unlock()
			return nil, "", &erp.RefusedError{Status: 400, Reason: erpapi.Error{Code: "bad_cursor", Message: err.Error()}}
		}
	}
	end := min(start+limit, len(f.changes))
	items, next := append([]C{}, f.changes[start:end]...), strconv.Itoa(end)
	if end == start {
		next = cursor
	}
	hook := f.beforeAnswer
	f.beforeAnswer = nil
	f.mu.Unlock()
	if hook != nil {
		hook(cursor, next)
	}
	return items, next, nil
}

// feedERP is a fake ERP with a stock feed and a price feed.
type feedERP struct {
	*fakeERP
	stock  fakeFeed[erpapi.StockChange]
	prices fakeFeed[erpapi.PriceChange]
}

func (e *feedERP) StockChanges(_ context.Context, cursor string, limit int) (erpapi.StockPage, error) {
	items, next, err := e.stock.page(cursor, limit)
	return erpapi.StockPage{Items: items, NextCursor: next}, err
}

func (e *feedERP) PriceChanges(_ context.Context, cursor string, limit int) (erpapi.PricePage, error) {
	items, next, err := e.prices.page(cursor, limit)
	return erpapi.PricePage{Items: items, NextCursor: next}, err
}

// feedWorld is a database with the pull activities on a feedERP.
type feedWorld struct {
	*world
	feeds *feedERP
}

func newFeedWorld(t *testing.T) *feedWorld {
	t.Helper()
	w := newWorld(t)
	fake := &feedERP{fakeERP: w.erp}
	w.acts.Connector = fake
	return &feedWorld{world: w, feeds: fake}
}

// pull runs one page of a pull (PullStockPage or PullPricePage).
func (w *feedWorld) pull(t *testing.T, page any, limit int) erp.PullPageResult {
	t.Helper()
	val, err := w.env.ExecuteActivity(page, erp.PullPageInput{Limit: limit})
	require.NoError(t, err)
	var out erp.PullPageResult
	require.NoError(t, val.Get(&out))
	return out
}

func (w *feedWorld) cursor(t *testing.T, feed string) string {
	t.Helper()
	c, err := w.Q.ErpCursorGet(context.Background(), feed)
	require.NoError(t, err)
	return c.Cursor
}

// moveCursorFirst makes the feed's next page find its cursor moved past it by
// another pull (a retried activity, a manual trigger racing the schedule),
// which also ran then.
func (w *feedWorld) moveCursorFirst(t *testing.T, feed string, then func()) func(cursor, next string) {
	return func(cursor, next string) {
		n, err := w.Q.ErpCursorAdvance(context.Background(), db.ErpCursorAdvanceParams{
			Feed: feed, Cursor: next, FromCursor: cursor})
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		then()
	}
}
