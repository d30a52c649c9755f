package e2e_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/quote"
)

// TestQuoteNegotiationToOrder drives one quote through the API, the real
// worker, Temporal and Postgres: requested → revision 1 over the rep's
// authority → a sales manager approves → offered → the buyer asks for changes
// → revision 2 within authority → offered → the stale revision 1 cannot be
// accepted → revision 2 is → the order is placed at revision 2's prices, with
// stock and credit held as for any order.
func TestQuoteNegotiationToOrder(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	ctx := context.Background()
	q := db.New(w.s.Pool)
	testenv.SetAccountRep(t, w.s.Pool, w.company, w.repID)
	nut := testenv.NewProduct(t, w.s.Pool, "EUR", 2_00, 500)

	requested := w.requestQuote(t, w.buyer, map[string]any{"message": "volume price?",
		"lines": []map[string]any{{"sku": w.sku, "quantity": 100}, {"sku": nut, "quantity": 50}}}, "Idempotency-Key", "negotiation")
	require.Equal(t, "requested", requested.Status)
	require.NotNil(t, requested.Assignee)
	require.Equal(t, w.repID, requested.Assignee.ID, "the account rep gets the quote")
	id := requested.ID

	draft := func(bp int64, shipping int64) api.SalesQuote {
		return salesCall(t, w.rep, "PUT", id, "draft", map[string]any{"valid_days": 14, "shipping": shipping,
			"lines": []map[string]any{{"sku": w.sku, "quantity": 100, "discount_bp": bp}, {"sku": nut, "quantity": 50}}})
	}
	d := draft(2000, 15_00) // 20 % off: over the rep's 10 %
	require.True(t, d.Revisions[len(d.Revisions)-1].NeedsManager)
	require.Equal(t, "awaiting_manager", salesCall(t, w.rep, "POST", id, "send", nil).Status)
	w.rep.do("POST", "/v1/sales/quotes/"+id.String()+"/approve-discount", map[string]any{"comment": "mine"}).
		requireError(t, http.StatusForbidden, "forbidden", "")
	offered := salesCall(t, w.manager, "POST", id, "approve-discount", map[string]any{"comment": "strategic account"})
	require.Equal(t, "offered", offered.Status)
	require.Equal(t, 1, offered.OfferedRevision)

	res := w.buyer.do("POST", "/v1/quotes/"+id.String()+"/request-changes", map[string]any{"message": "can you do 9.20 on bolts?"})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	d = draft(800, 0) // 8 % off, 34.8 % margin: within the rep's authority
	require.False(t, d.Revisions[len(d.Revisions)-1].NeedsManager)
	sent := salesCall(t, w.rep, "POST", id, "send", nil)
	require.Equal(t, "offered", sent.Status)
	require.Equal(t, 2, sent.OfferedRevision)

	mine, _ := getQuote(t, w.buyer, id)
	require.Len(t, mine.Revisions, 2, "the buyer sees the two sent revisions")
	w.buyer.do("POST", "/v1/quotes/"+id.String()+"/accept", map[string]any{"revision": 1}).
		requireError(t, http.StatusConflict, "stale_revision", "")
	res = w.buyer.do("POST", "/v1/quotes/"+id.String()+"/accept", map[string]any{"revision": 2})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	var done api.Quote
	require.Eventually(t, func() bool {
		done, _ = getQuote(t, w.buyer, id)
		return done.Status == "ordered"
	}, 15*time.Second, 50*time.Millisecond, "the quote became an order")
	require.NotNil(t, done.OrderID)
	order := w.buyer.getOrder(*done.OrderID)
	require.Equal(t, eur(100*9_20+50*2_00), order.Totals.Total, "revision 2's prices, its free shipping, no tax without ship-to")
	for _, l := range order.Lines {
		require.NotNil(t, l.PriceSource)
		require.Equal(t, id.String(), l.PriceSource.QuoteID, "the line names the quote")
		require.Equal(t, 2, l.PriceSource.QuoteRevision)
		if l.SKU == w.sku {
			require.Equal(t, eur(9_20), l.UnitPrice)
			require.Equal(t, eur(10_00), l.BaseUnitPrice)
		}
	}
	require.Equal(t, int64(100), stockReserved(t, w.s.Pool, w.sku))
	require.Equal(t, int64(50), stockReserved(t, w.s.Pool, nut))
	used, err := q.CreditHoldSumAuthorizedByCompany(ctx, w.company.ID)
	require.NoError(t, err)
	require.Equal(t, order.Totals.Total.Amount, used, "the order's credit is held, once")

	var kinds []string
	for _, e := range done.Timeline {
		kinds = append(kinds, e.Kind)
	}
	require.Equal(t, []string{"quote_requested", "revision_drafted", "discount_approval_requested", "discount_approved",
		"revision_offered", "changes_requested", "revision_drafted", "revision_offered", "quote_accepted", "order_placed"}, kinds)
	cart, err := q.CartGet(ctx, quote.OrderCartID(id, 2))
	require.NoError(t, err)
	require.Equal(t, uuid.NullUUID{UUID: id, Valid: true}, cart.QuoteID)
}
