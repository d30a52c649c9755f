package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// quoteWorld is a company with a buyer and a colleague, another company, the
// seller's sales staff, and a product that costs us 6.00 and lists at 10.00.
type quoteWorld struct {
	s                *testenv.Stack
	company, other   testenv.Company
	buyer, colleague buyerClient
	buyerID          uuid.UUID
	stranger         buyerClient // a buyer of the other company
	rep, otherRep    buyerClient
	repID            uuid.UUID
	manager          buyerClient
	sku              string
}

func newQuoteWorld(t *testing.T) *quoteWorld {
	t.Helper()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: 2 * time.Second})
	w := &quoteWorld{s: s}
	w.company = testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	w.other = testenv.NewCompany(t, s.Pool, "EUR", 1_000_000_00)
	buyer := testenv.NewBuyer(t, s.Pool, w.company)
	w.buyer, w.buyerID = newBuyerClient(t, s, buyer), buyer.ID
	w.colleague = newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, w.company))
	w.stranger = newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, w.other))
	staff := func(role string) (buyerClient, uuid.UUID) {
		m := testenv.NewStaff(t, s.Pool, role)
		return buyerClient{t: t, base: s.API.URL, token: m.Token}, m.ID
	}
	w.rep, w.repID = staff("sales_rep")
	w.otherRep, _ = staff("sales_rep")
	w.manager, _ = staff("sales_manager")
	w.sku = testenv.NewProduct(t, s.Pool, "EUR", 10_00, 1_000)
	n, err := db.New(s.Pool).ProductPriceUpdateCost(context.Background(), db.ProductPriceUpdateCostParams{
		Sku: w.sku, Currency: "EUR", CostPrice: pgtype.Int8{Int64: 6_00, Valid: true}})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	return w
}

// requestQuote asks for a quote on lines (SKU, quantity pairs) and requires 201.
func (w *quoteWorld) requestQuote(t *testing.T, c buyerClient, body map[string]any, headers ...string) api.Quote {
	t.Helper()
	res := c.do("POST", "/v1/quotes", body, headers...)
	require.Equal(t, http.StatusCreated, res.Status, "request quote: %s", res.Body)
	var q api.Quote
	res.decode(t, &q)
	require.Equal(t, "/v1/quotes/"+q.ID.String(), res.Header.Get("Location"))
	return q
}

// sales calls a sales route on the quote and requires 200.
func salesCall(t *testing.T, c buyerClient, method string, id uuid.UUID, action string, body any) api.SalesQuote {
	t.Helper()
	path := "/v1/sales/quotes/" + id.String()
	if action != "" {
		path += "/" + action
	}
	res := c.do(method, path, body)
	require.Equal(t, http.StatusOK, res.Status, "%s %s: %s", method, path, res.Body)
	var q api.SalesQuote
	res.decode(t, &q)
	return q
}

func getQuote(t *testing.T, c buyerClient, id uuid.UUID) (api.Quote, response) {
	t.Helper()
	res := c.do("GET", "/v1/quotes/"+id.String(), nil)
	require.Equal(t, http.StatusOK, res.Status, "get quote: %s", res.Body)
	var q api.Quote
	res.decode(t, &q)
	return q, res
}

func quoteIDs(t *testing.T, res response) []uuid.UUID {
	t.Helper()
	require.Equal(t, http.StatusOK, res.Status, "list: %s", res.Body)
	var page api.QuotePage
	res.decode(t, &page)
	ids := []uuid.UUID{}
	for _, q := range page.Quotes {
		ids = append(ids, q.ID)
	}
	return ids
}

// TestQuoteFromSKUsToOrder: a buyer requests a quote for SKUs, a rep claims
// it from the queue, drafts a discount within their authority and sends it,
// the buyer accepts, and the order is placed at the revision's prices.
func TestQuoteFromSKUsToOrder(t *testing.T) {
	w := newQuoteWorld(t)
	key := "quote-" + uuid.NewString()
	body := map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 10}}, "message": "Ten, please", "target_total": 90_00}
	q := w.requestQuote(t, w.buyer, body, "Idempotency-Key", key)
	require.Equal(t, "requested", q.Status)
	require.Nil(t, q.Assignee, "the company has no account rep: the quote waits in the queue")
	require.Equal(t, []api.QuoteRequestedLine{{SKU: w.sku, Name: q.RequestedLines[0].Name, Quantity: 10}}, q.RequestedLines)
	require.Equal(t, &api.Money{Amount: 90_00, Currency: "EUR"}, q.TargetTotal)
	require.ElementsMatch(t, []string{"withdraw", "message"}, q.AllowedActions)
	require.Empty(t, q.Revisions)

	again := w.buyer.do("POST", "/v1/quotes", body, "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, again.Status, "retry: %s", again.Body)
	var same api.Quote
	again.decode(t, &same)
	require.Equal(t, q.ID, same.ID, "a retried request finds the same quote")

	t.Run("lists", func(t *testing.T) {
		require.Contains(t, quoteIDs(t, w.buyer.do("GET", "/v1/quotes", nil)), q.ID)
		require.Contains(t, quoteIDs(t, w.colleague.do("GET", "/v1/quotes?status=requested", nil)), q.ID)
		require.NotContains(t, quoteIDs(t, w.buyer.do("GET", "/v1/quotes?status=offered", nil)), q.ID)
		require.NotContains(t, quoteIDs(t, w.stranger.do("GET", "/v1/quotes", nil)), q.ID)
		w.buyer.do("GET", "/v1/quotes?status=haggling", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "status")

		var page api.SalesQuotePage
		res := w.rep.do("GET", "/v1/sales/quotes?assignee=unassigned&company_id="+w.company.ID.String(), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &page)
		require.Len(t, page.Quotes, 1)
		require.Equal(t, q.ID, page.Quotes[0].ID)
		require.NotEmpty(t, page.Quotes[0].CompanyName)
		w.rep.do("GET", "/v1/sales/quotes?assignee=someone", nil).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "assignee")
		w.buyer.do("GET", "/v1/sales/quotes", nil).requireError(t, http.StatusForbidden, "forbidden", "")
	})

	sq := salesCall(t, w.rep, "POST", q.ID, "claim", nil)
	require.Equal(t, w.repID, sq.Assignee.ID)
	w.otherRep.do("GET", "/v1/sales/quotes/"+q.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")

	w.rep.do("PUT", "/v1/sales/quotes/"+q.ID.String()+"/draft", map[string]any{
		"lines": []map[string]any{{"sku": w.sku, "quantity": 10, "discount_bp": 20_000}}, "valid_days": 14,
	}).requireError(t, http.StatusUnprocessableEntity, "invalid_field", "lines[0].discount_bp")

	sq = salesCall(t, w.rep, "PUT", q.ID, "draft", map[string]any{
		"lines":    []map[string]any{{"sku": w.sku, "quantity": 10, "discount_bp": 500}},
		"shipping": 4_00, "valid_days": 14, "note": "5 % off",
	})
	require.Equal(t, "drafting", sq.Status)
	require.Len(t, sq.Revisions, 1)
	draft := sq.Revisions[0]
	require.Equal(t, "draft", draft.Status)
	require.False(t, draft.NeedsManager)
	require.Equal(t, int64(9_50), draft.Lines[0].UnitPrice.Amount)
	require.Equal(t, &api.Money{Amount: 6_00, Currency: "EUR"}, draft.Lines[0].CostPrice)
	require.NotNil(t, draft.Lines[0].MarginBP)
	require.Equal(t, int64(3684), *draft.Lines[0].MarginBP) // (950 - 600) / 950, rounded down
	require.Contains(t, sq.AllowedActions, "send")

	hidden, _ := getQuote(t, w.buyer, q.ID)
	require.Empty(t, hidden.Revisions, "buyers never see a draft")

	sq = salesCall(t, w.rep, "POST", q.ID, "send", nil)
	require.Equal(t, "offered", sq.Status)
	require.Equal(t, 1, sq.OfferedRevision)
	require.NotNil(t, sq.ValidUntil)

	offered, raw := getQuote(t, w.buyer, q.ID)
	require.Equal(t, "offered", offered.Status)
	require.Len(t, offered.Revisions, 1)
	rev := offered.Revisions[0]
	require.Equal(t, 1, rev.Number)
	require.Equal(t, api.QuoteLine{LineNo: 1, SKU: w.sku, Name: rev.Lines[0].Name, Quantity: 10,
		ListUnitPrice: api.Money{Amount: 10_00, Currency: "EUR"}, UnitPrice: api.Money{Amount: 9_50, Currency: "EUR"},
		LineTotal: api.Money{Amount: 95_00, Currency: "EUR"}, DiscountBP: 500}, rev.Lines[0])
	require.Equal(t, api.Money{Amount: 99_00, Currency: "EUR"}, rev.Total)
	require.Len(t, rev.Diff.Added, 1, "the first revision shows every line added")
	require.NotNil(t, rev.SentAt)
	require.NotContains(t, string(raw.Body), "cost_price", "buyers never see our cost")
	require.NotContains(t, string(raw.Body), "margin", "buyers never see our margin")
	require.ElementsMatch(t, []string{"accept", "decline", "request_changes", "withdraw", "message"}, offered.AllowedActions)

	t.Run("only the requester answers", func(t *testing.T) {
		w.colleague.do("POST", "/v1/quotes/"+q.ID.String()+"/accept", map[string]any{"revision": 1}).
			requireError(t, http.StatusForbidden, "not_allowed", "")
		w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/accept", map[string]any{"revision": 2}).
			requireError(t, http.StatusConflict, "stale_revision", "")
		w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/accept", map[string]any{}).
			requireError(t, http.StatusUnprocessableEntity, "invalid_field", "revision")
	})

	res := w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/messages", map[string]any{"body": "Can you ship on Monday?"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	res = w.rep.do("POST", "/v1/sales/quotes/"+q.ID.String()+"/messages", map[string]any{"body": "Yes."})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)

	res = w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/accept", map[string]any{"revision": 1})
	require.Equal(t, http.StatusOK, res.Status, "accept: %s", res.Body)

	var ordered api.Quote
	require.Eventually(t, func() bool {
		ordered, _ = getQuote(t, w.buyer, q.ID)
		return ordered.Status == "ordered"
	}, 20*time.Second, 100*time.Millisecond, "the accepted quote never became an order: %+v", ordered.OrderFailure)
	require.NotNil(t, ordered.OrderID)
	require.Len(t, ordered.Messages, 2)
	kinds := []string{}
	for _, e := range ordered.Timeline {
		kinds = append(kinds, e.Kind)
	}
	require.Subset(t, kinds, []string{"quote_requested", "quote_claimed", "revision_drafted", "revision_offered", "message", "quote_accepted", "order_placed"})

	order := w.buyer.getOrder(*ordered.OrderID)
	require.Len(t, order.Lines, 1)
	line := order.Lines[0]
	require.Equal(t, int64(9_50), line.UnitPrice.Amount, "sold at the revision's price")
	require.Equal(t, int64(10), line.Quantity)
	require.NotNil(t, line.PriceSource)
	require.Equal(t, q.ID.String(), line.PriceSource.QuoteID)
	require.Equal(t, 1, line.PriceSource.QuoteRevision)
	require.Equal(t, int64(4_00), order.Totals.Shipping.Amount, "shipping as quoted")
}

// TestQuoteFromCart: a quote requested from a cart freezes it; /v1/carts
// refuses to change or check it out, and withdrawing the quote gives it back.
func TestQuoteFromCart(t *testing.T) {
	w := newQuoteWorld(t)
	cartID := w.buyer.createCart(w.sku, 3)

	w.colleague.do("POST", "/v1/quotes", map[string]any{"cart_id": cartID}).
		requireError(t, http.StatusConflict, "cart_not_open", "")
	w.stranger.do("POST", "/v1/quotes", map[string]any{"cart_id": cartID}).
		requireError(t, http.StatusConflict, "cart_not_open", "")
	w.buyer.do("POST", "/v1/quotes", map[string]any{"cart_id": w.buyer.createCart()}).
		requireError(t, http.StatusUnprocessableEntity, "empty_cart", "lines")

	q := w.requestQuote(t, w.buyer, map[string]any{"cart_id": cartID, "message": "From my cart"})
	require.Equal(t, []api.QuoteRequestedLine{{SKU: w.sku, Name: q.RequestedLines[0].Name, Quantity: 3}}, q.RequestedLines)
	cart := w.buyer.getCart(cartID)
	require.Equal(t, "quoted", cart.Status)
	require.Equal(t, &q.ID, cart.QuoteID)

	w.buyer.do("POST", cartPath(cartID, "lines"), map[string]any{"sku": w.sku, "quantity": 1}).
		requireError(t, http.StatusConflict, "cart_not_open", "")
	w.buyer.checkout(cartID).requireError(t, http.StatusConflict, "cart_not_open", "")
	w.buyer.do("POST", "/v1/quotes", map[string]any{"cart_id": cartID}).
		requireError(t, http.StatusConflict, "cart_not_open", "")

	res := w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/withdraw", nil)
	require.Equal(t, http.StatusOK, res.Status, "withdraw: %s", res.Body)
	var withdrawn api.Quote
	res.decode(t, &withdrawn)
	require.Equal(t, "withdrawn", withdrawn.Status)
	require.Equal(t, []string{"message"}, withdrawn.AllowedActions)
	cart = w.buyer.getCart(cartID)
	require.Equal(t, "open", cart.Status, "the withdrawn quote gives the cart back")
	require.Nil(t, cart.QuoteID)

	w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/withdraw", nil).requireError(t, http.StatusConflict, "quote_state", "")
}

// TestQuoteRefusals: bad input is a 422 naming the field and records
// nothing; another company's quote does not exist for its employees; a rep
// does not see another rep's quote.
func TestQuoteRefusals(t *testing.T) {
	w := newQuoteWorld(t)
	lines := []map[string]any{{"sku": w.sku, "quantity": 2}}
	for name, c := range map[string]struct {
		body         any
		status       int
		code, field  string
		wantSKUNamed bool
	}{
		"NUL in message":      {map[string]any{"lines": lines, "message": "hi\x00there"}, 400, "invalid_field", "message", false},
		"cart and lines":      {map[string]any{"lines": lines, "cart_id": uuid.New()}, 422, "invalid_field", "lines", false},
		"neither":             {map[string]any{"message": "anything"}, 422, "invalid_field", "lines", false},
		"negative target":     {map[string]any{"lines": lines, "target_total": -1}, 422, "invalid_field", "target_total", false},
		"zero quantity":       {map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 0}}}, 422, "invalid_field", "lines[0].quantity", false},
		"unknown SKU":         {map[string]any{"lines": []map[string]any{{"sku": "NO-SUCH-SKU", "quantity": 1}}}, 404, "unknown_sku", "sku", true},
		"trailing garbage":    {`{"lines": []} {}`, 400, "malformed_json", "", false},
		"cart_id not a UUID":  {map[string]any{"cart_id": "cart-1"}, 422, "invalid_field", "cart_id", false},
		"message over 2000 B": {map[string]any{"lines": lines, "message": strings.Repeat("x", 2001)}, 422, "invalid_field", "message", false},
	} {
		t.Run(name, func(t *testing.T) {
			e := w.buyer.do("POST", "/v1/quotes", c.body).requireError(t, c.status, c.code, c.field)
			if c.wantSKUNamed {
				require.Equal(t, "NO-SUCH-SKU", e.SKU)
			}
		})
	}
	var n int
	require.NoError(t, w.s.Pool.QueryRow(context.Background(), `SELECT count(*) FROM quotes`).Scan(&n))
	require.Zero(t, n, "a refused request records no quote")

	// The company's account rep gets its quotes.
	require.NoError(t, db.New(w.s.Pool).CompanyUpdateSalesRep(context.Background(), db.CompanyUpdateSalesRepParams{
		ID: w.company.ID, SalesRepID: uuid.NullUUID{UUID: w.repID, Valid: true}}))
	q := w.requestQuote(t, w.buyer, map[string]any{"lines": lines})
	require.NotNil(t, q.Assignee)
	require.Equal(t, w.repID, q.Assignee.ID)

	w.stranger.do("GET", "/v1/quotes/"+q.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	w.stranger.do("POST", "/v1/quotes/"+q.ID.String()+"/withdraw", nil).requireError(t, http.StatusNotFound, "not_found", "")
	w.stranger.do("POST", "/v1/quotes/"+q.ID.String()+"/messages", map[string]any{"body": "hello"}).
		requireError(t, http.StatusNotFound, "not_found", "")
	w.otherRep.do("GET", "/v1/sales/quotes/"+q.ID.String(), nil).requireError(t, http.StatusNotFound, "not_found", "")
	w.otherRep.do("POST", "/v1/sales/quotes/"+q.ID.String()+"/claim", nil).requireError(t, http.StatusNotFound, "not_found", "")
	w.rep.do("POST", "/v1/sales/quotes/"+q.ID.String()+"/send", nil).requireError(t, http.StatusConflict, "quote_state", "")
	w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/messages", map[string]any{"body": ""}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "body")
	w.manager.do("POST", "/v1/sales/quotes/"+q.ID.String()+"/assign", map[string]any{"sales_rep_id": w.buyerID}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "sales_rep_id")
	w.rep.do("POST", "/v1/sales/quotes/"+q.ID.String()+"/assign", map[string]any{"sales_rep_id": w.repID}).
		requireError(t, http.StatusForbidden, "forbidden", "")
	w.rep.do("POST", "/v1/sales/quotes/"+q.ID.String()+"/cancel", map[string]any{}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "reason")

	sq := salesCall(t, w.rep, "POST", q.ID, "cancel", map[string]any{"reason": "discontinued"})
	require.Equal(t, "cancelled", sq.Status)
}
