package e2e_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// onBehalfFixture is what the access matrix's orders-on-behalf routes act
// on: company C, whose account rep is the matrix's sales rep (A has none, so
// A's quotes wait in the queue), which allows checkouts on behalf, and a cart
// the rep prepares for C's buyer.
type onBehalfFixture struct {
	c     testenv.Company
	buyer testenv.Buyer
	cart  uuid.UUID // held by sales, one line of sku × 2
}

// setUpOnBehalf builds the fixture.
func (w *accessWorld) setUpOnBehalf(t *testing.T) {
	t.Helper()
	f := onBehalfFixture{c: testenv.NewCompany(t, w.s.Pool, "EUR", 1_000_000_00)}
	f.buyer = testenv.NewEmployee(t, w.s.Pool, f.c, "buyer")
	testenv.SetAccountRep(t, w.s.Pool, f.c, w.rep.ID)
	testenv.SetOnBehalfCheckout(t, w.s.Pool, f.c, true)
	w.onBehalf = f
	w.onBehalf.cart = w.newOnBehalfCart(t)
}

// newOnBehalfCart is a cart the matrix's rep prepares for C's buyer, held by
// sales, with two units of sku: below any approval, so its checkout is
// placed at once.
func (w *accessWorld) newOnBehalfCart(t *testing.T) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	q := db.New(w.s.Pool)
	cart, err := q.CartCreate(ctx, db.CartCreateParams{ID: uuid.New(), CompanyID: w.onBehalf.c.ID,
		CustomerID: w.onBehalf.buyer.ID, Currency: "EUR", BuiltByStaffID: uuid.NullUUID{UUID: w.rep.ID, Valid: true}})
	require.NoError(t, err)
	_, err = q.CartLineAdd(ctx, db.CartLineAddParams{CartID: cart.ID, Sku: w.sku, Quantity: 2})
	require.NoError(t, err)
	return cart.ID
}

// onBehalfRoutes are the matrix's lines of orders on behalf: the sales
// staff's carts for buyers (sales reps and managers; the rep is C's account
// rep), and the company setting that allows checkouts on behalf (a company
// admin's own company's, or ops' for any).
func onBehalfRoutes() map[string]accessRoute {
	cart := func(t *testing.T, w *accessWorld, fresh bool) uuid.UUID {
		if fresh {
			return w.newOnBehalfCart(t)
		}
		return w.onBehalf.cart
	}
	path := func(t *testing.T, w *accessWorld, fresh bool, rest string) string {
		return "/v1/sales/carts/" + cart(t, w, fresh).String() + rest
	}
	company := func(w *accessWorld, fresh bool) string {
		if fresh {
			return w.scratch.ID.String()
		}
		return w.a.ID.String()
	}
	return map[string]accessRoute{
		"POST /v1/sales/carts": {expect: rowSales, ok: []int{201}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/sales/carts", body: map[string]any{"company_id": w.onBehalf.c.ID, "customer_id": w.onBehalf.buyer.ID}}
		}},
		"GET /v1/sales/carts": {expect: rowSales, ok: []int{200}, call: getPath("/v1/sales/carts?limit=100"),
			verify: func(t *testing.T, w *accessWorld, _ accessPrincipal, res response) {
				var page api.SalesCartPage
				res.decode(t, &page)
				var ids []uuid.UUID
				for _, c := range page.Carts {
					ids = append(ids, c.ID)
					require.Equal(t, w.onBehalf.c.ID, c.CompanyID, "only C's carts are built on behalf")
				}
				require.Contains(t, ids, w.onBehalf.cart)
			}},
		"GET /v1/sales/carts/:cart_id": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/sales/carts/" + w.onBehalf.cart.String()}
		}},
		"PATCH /v1/sales/carts/:cart_id": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: path(t, w, fresh, ""), body: map[string]any{
				"ship_to":         map[string]any{"name": "Mallory", "line1": "1 Elsewhere Street", "city": "Berlin", "postal_code": "10115", "country": "DE"},
				"shipping_method": w.shippingCode, "po_number": "PO-MALLORY",
			}}
		}},
		"POST /v1/sales/carts/:cart_id/lines": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: path(t, w, fresh, "/lines"), body: map[string]any{"sku": w.sku, "quantity": 3}}
		}},
		"POST /v1/sales/carts/:cart_id/lines/bulk": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: path(t, w, fresh, "/lines/bulk"), body: map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 4}}}}
		}},
		"PUT /v1/sales/carts/:cart_id/lines/:sku": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: path(t, w, fresh, "/lines/"+w.sku), body: map[string]any{"quantity": 7}}
		}},
		"DELETE /v1/sales/carts/:cart_id/lines/:sku": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: path(t, w, fresh, "/lines/"+w.sku)}
		}},
		"POST /v1/sales/carts/:cart_id/send": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: path(t, w, fresh, "/send"), body: map[string]any{"message": "for you"}}
		}},
		"POST /v1/sales/carts/:cart_id/checkout": {expect: rowSales, ok: []int{201, 202}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := cart(t, w, fresh)
			return accessCall{path: "/v1/sales/carts/" + id.String() + "/checkout", settle: func(t *testing.T) { w.awaitCheckoutEnd(t, id, "placed") }}
		}},
		"GET /v1/sales/carts/:cart_id/checkout": {expect: rowSales, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/sales/carts/" + w.onBehalf.cart.String() + "/checkout"}
		}},
		"GET /v1/company/on-behalf-checkout": {expect: rowCompanyAdmin, ok: []int{200}, call: getPath("/v1/company/on-behalf-checkout")},
		"PUT /v1/company/on-behalf-checkout": {expect: rowCompanyAdmin, ok: []int{200}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/company/on-behalf-checkout", body: map[string]any{"allowed": true}}
		}},
		"GET /v1/admin/companies/:company_id/on-behalf-checkout": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + w.a.ID.String() + "/on-behalf-checkout"}
		}},
		"PUT /v1/admin/companies/:company_id/on-behalf-checkout": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/on-behalf-checkout", body: map[string]any{"allowed": true}}
		}},
	}
}
