package e2e_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

// TestQuantityRules sets quantity rules through the admin API and checks
// every place that enforces them, through the real API, worker, Temporal and
// Postgres: the cart (add, set, remove), the quick order, a quote request, a
// rep's draft (with the company's own rule), checkout (a rule changed after
// the line was added), and an accepted quote, which is not checked again.
func TestQuantityRules(t *testing.T) {
	t.Parallel()
	w := newQuoteWorld(t)
	ops := newBuyerClient(t, w.s, testenv.Buyer{Token: testenv.NewStaff(t, w.s.Pool, "ops").Token})
	other := newBuyerClient(t, w.s, testenv.NewBuyer(t, w.s.Pool, w.other))

	// putRule sets a SKU's rule (company uuid.Nil) or a company's, and
	// requires 200.
	putRule := func(t *testing.T, company uuid.UUID, sku string, body map[string]any) admin.QuantityRuleSettings {
		t.Helper()
		path := "/v1/admin/products/" + sku + "/quantity-rule"
		if company != uuid.Nil {
			path = "/v1/admin/companies/" + company.String() + "/quantity-rules/" + sku
		}
		res := ops.do("PUT", path, body)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var out admin.QuantityRuleSettings
		res.decode(t, &out)
		return out
	}
	// requireRule checks a quantity_rule refusal: 422, the SKU, the rule
	// broken and the message.
	requireRule := func(t *testing.T, e *api.Error, sku, rule, message string) {
		t.Helper()
		require.NotNil(t, e)
		require.Equal(t, string(commerce.CodeQuantityRule), e.Code)
		require.Equal(t, sku, e.SKU)
		require.NotNil(t, e.QuantityRule, "the refusal carries the rule")
		require.Equal(t, sku, e.QuantityRule.SKU)
		require.Equal(t, rule, e.QuantityRule.Rule)
		if message != "" {
			require.Equal(t, message, e.Message)
		}
	}
	refused := func(t *testing.T, res response, sku, rule, message string) api.Error {
		t.Helper()
		e := res.requireError(t, http.StatusUnprocessableEntity, "quantity_rule", "quantity")
		requireRule(t, &e, sku, rule, message)
		return e
	}

	t.Run("admin", func(t *testing.T) {
		sku := testenv.NewProduct(t, w.s.Pool, "EUR", 1_00, 100)
		path := "/v1/admin/products/" + sku + "/quantity-rule"
		ops.do("GET", path, nil).requireError(t, http.StatusNotFound, "not_found", "")
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{}, "min_quantity"},
			{map[string]any{"min_quantity": 0}, "min_quantity"},
			{map[string]any{"increment": 0}, "increment"},
			{map[string]any{"min_quantity": 5, "increment": 10}, "min_quantity"},
			{map[string]any{"min_quantity": 20, "increment": 10, "max_quantity": 10}, "max_quantity"},
			{map[string]any{"increment": 10, "max_quantity": 25}, "max_quantity"},
			{map[string]any{"max_quantity": 10_001}, "max_quantity"},
		} {
			e := ops.do("PUT", path, bad.body).requireError(t, http.StatusUnprocessableEntity, "invalid_field", bad.field)
			require.Contains(t, e.Message, bad.field)
		}
		ops.do("PUT", "/v1/admin/products/"+uniqueName("NOPE-")+"/quantity-rule", map[string]any{"increment": 10}).
			requireError(t, http.StatusNotFound, "not_found", "")
		ops.do("PUT", "/v1/admin/companies/"+uuid.NewString()+"/quantity-rules/"+sku, map[string]any{"increment": 10}).
			requireError(t, http.StatusNotFound, "not_found", "")

		got := putRule(t, uuid.Nil, sku, map[string]any{"increment": 10, "max_quantity": 500})
		require.Equal(t, admin.QuantityRuleSettings{SKU: sku, MinQuantity: 10, Increment: 10, MaxQuantity: int64p(500), UpdatedAt: got.UpdatedAt},
			got, "min_quantity defaults to the increment")
		res := ops.do("GET", path, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		companyRule := putRule(t, w.company.ID, sku, map[string]any{"min_quantity": 1})
		require.Equal(t, &w.company.ID, companyRule.CompanyID)

		require.Equal(t, http.StatusNoContent, ops.do("DELETE", "/v1/admin/companies/"+w.company.ID.String()+"/quantity-rules/"+sku, nil).Status)
		ops.do("DELETE", "/v1/admin/companies/"+w.company.ID.String()+"/quantity-rules/"+sku, nil).requireError(t, http.StatusNotFound, "not_found", "")
		require.Equal(t, http.StatusNoContent, ops.do("DELETE", path, nil).Status)
		ops.do("GET", path, nil).requireError(t, http.StatusNotFound, "not_found", "")
	})

	t.Run("cart", func(t *testing.T) {
		sku := testenv.NewProduct(t, w.s.Pool, "EUR", 1_00, 1_000)
		putRule(t, uuid.Nil, sku, map[string]any{"min_quantity": 10, "increment": 10, "max_quantity": 100})
		cartID := w.buyer.createCart()
		add := func(q int64) response {
			return w.buyer.do("POST", cartPath(cartID, "lines"), map[string]any{"sku": sku, "quantity": q})
		}
		e := refused(t, add(3), sku, "minimum", sku+" has a minimum order quantity of 10")
		require.Equal(t, commerce.QuantityRuleBreach{SKU: sku, Rule: "minimum", Quantity: 3, MinQuantity: 10, Increment: 10, MaxQuantity: int64p(100)},
			*e.QuantityRule)
		refused(t, add(15), sku, "increment", sku+" is sold in multiples of 10")
		require.Empty(t, w.buyer.getCart(cartID).Lines, "nothing was written")

		res := add(10)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var cart api.Cart
		res.decode(t, &cart)
		require.Len(t, cart.Lines, 1)
		require.Equal(t, &api.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: int64p(100)}, cart.Lines[0].QuantityRule)

		refused(t, add(5), sku, "increment", "") // the line would hold 15
		refused(t, add(100), sku, "maximum", sku+" is sold at most 100 per order")
		require.Equal(t, map[string]int64{sku: 10}, lineQuantities(w.buyer.getCart(cartID)))

		set := func(q int64) response {
			return w.buyer.do("PUT", cartPath(cartID, "lines", sku), map[string]any{"quantity": q})
		}
		refused(t, set(25), sku, "increment", "")
		refused(t, set(110), sku, "maximum", "")
		require.Equal(t, http.StatusOK, set(40).Status)
		require.Equal(t, map[string]int64{sku: 40}, lineQuantities(w.buyer.getCart(cartID)))
		require.Equal(t, http.StatusOK, w.buyer.do("DELETE", cartPath(cartID, "lines", sku), nil).Status, "removing a line is always allowed")

		// The other company has its own rule, which replaces the SKU's.
		putRule(t, w.other.ID, sku, map[string]any{"min_quantity": 5, "increment": 5})
		otherCart := other.createCart()
		res = other.do("POST", cartPath(otherCart, "lines"), map[string]any{"sku": sku, "quantity": 15})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &cart)
		require.Equal(t, &api.QuantityRule{MinQuantity: 5, Increment: 5, CompanySpecific: true}, cart.Lines[0].QuantityRule)
		res = other.do("POST", cartPath(otherCart, "lines"), map[string]any{"sku": sku, "quantity": 200})
		require.Equal(t, http.StatusOK, res.Status, "no maximum in the company's rule: %s", res.Body)
		refused(t, other.do("POST", cartPath(otherCart, "lines"), map[string]any{"sku": sku, "quantity": 3}), sku, "increment", sku+" is sold in multiples of 5")

		// Buyers see the rule that applies to them on the catalogue.
		require.Equal(t, &api.QuantityRule{MinQuantity: 10, Increment: 10, MaxQuantity: int64p(100)}, productRule(t, w.buyer, sku))
		require.Equal(t, &api.QuantityRule{MinQuantity: 5, Increment: 5, CompanySpecific: true}, productRule(t, other, sku))
	})

	t.Run("quick order", func(t *testing.T) {
		sku := testenv.NewProduct(t, w.s.Pool, "EUR", 1_00, 1_000)
		free := testenv.NewProduct(t, w.s.Pool, "EUR", 1_00, 1_000)
		putRule(t, uuid.Nil, sku, map[string]any{"increment": 10})
		cartID := w.buyer.createCart()
		res := w.buyer.do("POST", cartPath(cartID, "lines", "bulk"), map[string]any{"lines": []map[string]any{
			{"sku": sku, "quantity": 3},
			{"sku": sku, "quantity": 20},
			{"sku": free, "quantity": 3},
			{"sku": sku, "quantity": 5}, // 25 on the line
		}})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var result api.QuickOrderResult
		res.decode(t, &result)
		requireLineResults(t, result.Results, []lineResult{
			{sku, 3, "quantity_rule", "quantity"},
			{sku, 20, "", ""},
			{free, 3, "", ""},
			{sku, 5, "quantity_rule", "quantity"},
		})
		requireRule(t, result.Results[0].Error, sku, "minimum", sku+" has a minimum order quantity of 10")
		requireRule(t, result.Results[3].Error, sku, "increment", sku+" is sold in multiples of 10")
		require.Equal(t, map[string]int64{sku: 20, free: 3}, lineQuantities(result.Cart))
	})

	t.Run("checkout", func(t *testing.T) {
		sku := testenv.NewProduct(t, w.s.Pool, "EUR", 1_00, 1_000)
		putRule(t, uuid.Nil, sku, map[string]any{"increment": 10})
		cartID := w.buyer.createCart(sku, 20)
		// The rule changes after the line was added: the cart shows the
		// line as its problem, and checkout refuses it, cleanly.
		putRule(t, uuid.Nil, sku, map[string]any{"increment": 15})
		cart := w.buyer.getCart(cartID)
		require.NotNil(t, cart.Problem)
		requireRule(t, cart.Problem, sku, "increment", sku+" is sold in multiples of 15")

		res := w.buyer.checkout(cartID)
		if res.Status == http.StatusAccepted { // a busy machine: the refusal comes after the synchronous wait
			require.Equal(t, "failed", w.buyer.awaitCheckoutStatus(cartID, "failed").Status)
		} else {
			refused(t, res, sku, "increment", sku+" is sold in multiples of 15")
		}
		requireCartReopened(t, w.buyer, w.s.Pool, cartID, sku, "quantity_rule")
		require.Contains(t, w.buyer.getCart(cartID).Checkout.Failure.Message, "multiples of 15")

		require.Equal(t, http.StatusOK, w.buyer.do("PUT", cartPath(cartID, "lines", sku), map[string]any{"quantity": 30}).Status)
		order := w.buyer.placeOrderEventually(cartID)
		require.Equal(t, "placed", order.Status)
	})

	t.Run("quotes", func(t *testing.T) {
		sku := testenv.NewProduct(t, w.s.Pool, "EUR", 10_00, 1_000)
		testenv.SetCostPrice(t, w.s.Pool, sku, "EUR", 6_00)
		putRule(t, uuid.Nil, sku, map[string]any{"increment": 10})
		// The buyer's company has its own rule: multiples of 20.
		putRule(t, w.company.ID, sku, map[string]any{"increment": 20})

		refused(t, w.buyer.do("POST", "/v1/quotes", map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 30}}},
			"Idempotency-Key", uuid.NewString()), sku, "increment", sku+" is sold in multiples of 20")
		q := w.requestQuote(t, w.buyer, map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 40}}}, "Idempotency-Key", uuid.NewString())
		salesCall(t, w.rep, "POST", q.ID, "claim", nil)
		draft := func(qty int64) map[string]any {
			return map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": qty, "discount_bp": 500}}, "valid_days": 14}
		}
		base := "/v1/sales/quotes/" + q.ID.String()
		// The rep drafts for the quote's company: its rule (20), not the SKU's (10).
		refused(t, w.rep.do("PUT", base+"/draft", draft(50)), sku, "increment", sku+" is sold in multiples of 20")
		refused(t, w.rep.do("POST", base+"/draft/preview", draft(50)), sku, "increment", "")
		salesCall(t, w.rep, "PUT", q.ID, "draft", draft(60))
		require.Equal(t, "offered", salesCall(t, w.rep, "POST", q.ID, "send", nil).Status)

		// The rule changes while the offer is open; the accepted quote is
		// still checked out at the quantity the rep offered.
		putRule(t, w.company.ID, sku, map[string]any{"increment": 25})
		res := w.buyer.do("POST", "/v1/quotes/"+q.ID.String()+"/accept", map[string]any{"revision": 1})
		require.Equal(t, http.StatusOK, res.Status, "accept: %s", res.Body)
		var ordered api.Quote
		require.Eventually(t, func() bool {
			ordered, _ = getQuote(t, w.buyer, q.ID)
			return ordered.Status == "ordered"
		}, 30*time.Second, 100*time.Millisecond, "the accepted quote never became an order: %+v", ordered.OrderFailure)
		order := w.buyer.getOrder(*ordered.OrderID)
		require.Len(t, order.Lines, 1)
		require.Equal(t, int64(60), order.Lines[0].Quantity)
	})
}

// productRule pages through the catalogue as c and answers sku's quantity
// rule.
func productRule(t *testing.T, c buyerClient, sku string) *api.QuantityRule {
	t.Helper()
	cursor := ""
	for {
		res := c.do("GET", "/v1/products?limit=100&cursor="+url.QueryEscape(cursor), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page api.ProductPage
		res.decode(t, &page)
		for _, p := range page.Products {
			if p.SKU == sku {
				return p.QuantityRule
			}
		}
		require.NotEmpty(t, page.NextCursor, "%s is not in the catalogue", sku)
		cursor = page.NextCursor
	}
}
