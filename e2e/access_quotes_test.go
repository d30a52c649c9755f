package e2e_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
)

// quoteStage is how far a fixture quote of A's owner has come.
type quoteStage int

const (
	quoteQueued       quoteStage = iota // requested, unassigned
	quoteClaimed                        // requested, claimed by the matrix's sales rep
	quoteDrafting                       // a draft within the rep's authority
	quoteAwaitManager                   // a draft over the rep's authority, sent to the managers
	quoteOffered                        // revision 1 on offer
	quoteOrderRefused                   // accepted, but checkout refused it (no stock)
)

// newQuote makes a quote of A's owner at stage through the API, as the owner
// and the matrix's sales rep would, and waits until it rests there.
func (w *accessWorld) newQuote(t *testing.T, stage quoteStage) uuid.UUID {
	t.Helper()
	owner := newBuyerClient(t, w.s, w.owner)
	rep := buyerClient{t: t, base: w.s.API.URL, token: w.rep.Token}
	sku := w.sku
	if stage == quoteOrderRefused {
		sku = w.scarceSKU
	}
	res := owner.do("POST", "/v1/quotes", map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 2}}, "message": "matrix"})
	require.Equal(t, http.StatusCreated, res.Status, "request quote: %s", res.Body)
	var q api.Quote
	res.decode(t, &q)
	step := func(c buyerClient, method, action string, body any) {
		t.Helper()
		res := c.do(method, "/v1/sales/quotes/"+q.ID.String()+"/"+action, body)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", action, res.Body)
	}
	if stage == quoteQueued {
		return q.ID
	}
	step(rep, "POST", "claim", nil)
	if stage == quoteClaimed {
		return q.ID
	}
	discount := 500
	if stage == quoteAwaitManager {
		discount = 1500 // over the rep's 10 %, within the manager's 25 %
	}
	step(rep, "PUT", "draft", map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 2, "discount_bp": discount}}, "valid_days": 30})
	if stage == quoteDrafting {
		return q.ID
	}
	step(rep, "POST", "send", nil)
	if stage == quoteAwaitManager || stage == quoteOffered {
		return q.ID
	}
	res = owner.do("POST", "/v1/quotes/"+q.ID.String()+"/accept", map[string]any{"revision": 1})
	require.Equal(t, http.StatusOK, res.Status, "accept: %s", res.Body)
	w.awaitOrderRefusals(t, q.ID, 1)
	return q.ID
}

// awaitOrderRefusals waits until the quote has recorded n refused checkouts
// and its checkout no longer runs.
func (w *accessWorld) awaitOrderRefusals(t *testing.T, quoteID uuid.UUID, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var refusals int
		err := w.s.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM quote_events WHERE quote_id = $1 AND kind = 'order_refused'`, quoteID).Scan(&refusals)
		return err == nil && refusals == n
	}, 20*time.Second, 50*time.Millisecond, "quote %s never recorded %d refused checkouts", quoteID, n)
}

// awaitQuoteStatus waits until the quote's projection shows status.
func (w *accessWorld) awaitQuoteStatus(t *testing.T, quoteID uuid.UUID, status string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var got string
		err := w.s.Pool.QueryRow(context.Background(), `SELECT status FROM quotes WHERE id = $1`, quoteID).Scan(&got)
		return err == nil && got == status
	}, 20*time.Second, 50*time.Millisecond, "quote %s never became %s", quoteID, status)
}

// verifyQuoteList checks that a list of quotes holds only the caller's
// company's: B's employees never see one of A's.
func verifyQuoteList(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page api.QuotePage
	res.decode(t, &page)
	var ids []uuid.UUID
	for _, q := range page.Quotes {
		ids = append(ids, q.ID)
		require.Equal(t, p.company, q.CompanyID, "%s sees quote %s of another company", p.name, q.ID)
	}
	if p.company == w.a.ID {
		require.Contains(t, ids, w.quote, "A's quotes list A's quote")
	}
}

// verifySalesReps checks the list of sales staff has the matrix's sales rep
// and no one who is not in sales.
func verifySalesReps(t *testing.T, w *accessWorld, _ accessPrincipal, res response) {
	var list api.SalesRepList
	res.decode(t, &list)
	var ids []uuid.UUID
	for _, r := range list.Reps {
		ids = append(ids, r.ID)
		require.Contains(t, []string{"sales_rep", "sales_manager"}, r.Role, "%s is not in sales", r.Name)
	}
	require.Contains(t, ids, w.rep.ID, "the sales rep is listed")
}

// quoteRoutes are the access matrix's lines of the quote routes.
func quoteRoutes() map[string]accessRoute {
	target := func(stage quoteStage) func(*testing.T, *accessWorld, bool) uuid.UUID {
		return func(t *testing.T, w *accessWorld, fresh bool) uuid.UUID {
			if fresh {
				return w.newQuote(t, stage)
			}
			return w.quote
		}
	}
	buyerAction := func(action string, stage quoteStage, body any, settle func(*testing.T, *accessWorld, uuid.UUID)) accessRoute {
		return accessRoute{expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := target(stage)(t, w, fresh)
			call := accessCall{path: "/v1/quotes/" + id.String() + "/" + action, body: body}
			if settle != nil {
				call.settle = func(t *testing.T) { settle(t, w, id) }
			}
			return call
		}}
	}
	salesAction := func(expect, method, action string, stage quoteStage, body func(*accessWorld) any) accessRoute {
		return accessRoute{expect: expect, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			call := accessCall{path: "/v1/sales/quotes/" + target(stage)(t, w, fresh).String() + "/" + action}
			if body != nil {
				call.body = body(w)
			}
			return call
		}}
	}
	fixed := func(body any) func(*accessWorld) any { return func(*accessWorld) any { return body } }
	return map[string]accessRoute{
		"POST /v1/quotes": {expect: rowOwnCompany, ok: []int{201}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/quotes", body: map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 1}}}}
		}},
		"GET /v1/quotes": {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/quotes?limit=100"), verify: verifyQuoteList},
		"GET /v1/quotes/:quote_id": {expect: rowCompanyRead, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/quotes/" + w.quote.String()}
		}},
		"POST /v1/quotes/:quote_id/messages": {expect: rowCompanyWrite, ok: []int{201}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/quotes/" + w.quote.String() + "/messages", body: map[string]any{"body": "When can you deliver?"}}
		}},
		"POST /v1/quotes/:quote_id/accept": buyerAction("accept", quoteOffered, map[string]any{"revision": 1},
			func(t *testing.T, w *accessWorld, id uuid.UUID) { w.awaitQuoteStatus(t, id, "ordered") }),
		"POST /v1/quotes/:quote_id/decline":         buyerAction("decline", quoteOffered, map[string]any{"reason": "too dear"}, nil),
		"POST /v1/quotes/:quote_id/request-changes": buyerAction("request-changes", quoteOffered, map[string]any{"message": "cheaper?"}, nil),
		"POST /v1/quotes/:quote_id/withdraw":        buyerAction("withdraw", quoteQueued, nil, nil),
		"POST /v1/quotes/:quote_id/retry-order": buyerAction("retry-order", quoteOrderRefused, nil,
			func(t *testing.T, w *accessWorld, id uuid.UUID) { w.awaitOrderRefusals(t, id, 2) }),

		"GET /v1/sales/reps":   {expect: rowManager, ok: []int{200}, call: getPath("/v1/sales/reps"), verify: verifySalesReps},
		"GET /v1/sales/quotes": {expect: rowSales, ok: []int{200}, call: getPath("/v1/sales/quotes?limit=100")},
		"GET /v1/sales/quotes/:quote_id": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/sales/quotes/" + w.quote.String()}
		}},
		"POST /v1/sales/quotes/:quote_id/claim": salesAction(rowSales, "POST", "claim", quoteQueued, nil),
		"POST /v1/sales/quotes/:quote_id/assign": salesAction(rowManager, "POST", "assign", quoteQueued,
			func(w *accessWorld) any { return map[string]any{"sales_rep_id": w.rep.ID} }),
		"PUT /v1/sales/quotes/:quote_id/draft": salesAction(rowSales, "PUT", "draft", quoteClaimed, func(w *accessWorld) any {
			return map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 3}}, "valid_days": 7}
		}),
		"POST /v1/sales/quotes/:quote_id/draft/preview": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/sales/quotes/" + w.quote.String() + "/draft/preview",
				body: map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 3, "discount_bp": 1500}}, "valid_days": 7}}
		}},
		"POST /v1/sales/quotes/:quote_id/send":             salesAction(rowSales, "POST", "send", quoteDrafting, nil),
		"POST /v1/sales/quotes/:quote_id/extend-validity":  salesAction(rowSales, "POST", "extend-validity", quoteOffered, fixed(map[string]any{"valid_days": 60})),
		"POST /v1/sales/quotes/:quote_id/approve-discount": salesAction(rowManager, "POST", "approve-discount", quoteAwaitManager, fixed(map[string]any{"comment": "fine"})),
		"POST /v1/sales/quotes/:quote_id/reject-discount":  salesAction(rowManager, "POST", "reject-discount", quoteAwaitManager, fixed(map[string]any{"comment": "too deep"})),
		"POST /v1/sales/quotes/:quote_id/cancel":           salesAction(rowSales, "POST", "cancel", quoteClaimed, fixed(map[string]any{"reason": "discontinued"})),
		"POST /v1/sales/quotes/:quote_id/messages": {expect: rowSales, ok: []int{201}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/sales/quotes/" + w.quote.String() + "/messages", body: map[string]any{"body": "Next week."}}
		}},

		"GET /v1/admin/quote-authorities": {expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/quote-authorities")},
		"PUT /v1/admin/quote-authorities/:role": {expect: rowAdmin, ok: []int{200}, call: func(*testing.T, *accessWorld, bool) accessCall {
			// The defaults again, so the cases after it judge drafts as before.
			return accessCall{path: "/v1/admin/quote-authorities/sales_rep", body: map[string]any{"max_discount_bp": 1000, "min_margin_bp": 1500}}
		}},
	}
}
