package e2e_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/admin"
	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/testenv"
)

// The access matrix calls every route of the API as every kind of principal
// (none, each company-side role of company A and of company B, each role of
// the seller's staff) on company A's resources, and checks the answer against
// what docs/api.md says that principal may do, and, for changing a cart, the
// stricter rule the API has kept since "only a cart's owner changes or checks
// it out" (docs/api.md still says any employee of the company). Company B must
// never read or write anything of A's (BOLA: broken object-level
// authorization, the classic B2B leak): A's IDs answer B exactly as IDs that
// exist nowhere, and a refused request changes no row of the database.

// accessOutcome is what one principal must get from one route.
type accessOutcome string

const (
	// allowed: the route's success status, for a valid request.
	allowed accessOutcome = "ok"
	// noToken: 401 unauthorized.
	noToken accessOutcome = "401"
	// roleRefused: 403 forbidden, the role may not use the route at all.
	roleRefused accessOutcome = "403"
	// notOwner: 403 not_allowed, the role may use the route, but only the
	// buyer who opened the cart changes it, checks it out or withdraws its
	// checkout; colleagues of the same company may only read it.
	notOwner accessOutcome = "403na"
	// notFound: 404 not_found, another company's resource, answered exactly as
	// one that does not exist.
	notFound accessOutcome = "404"
	// unsigned: 401 invalid_signature, a webhook without a valid signature. A
	// bearer token, whoever's, does not authenticate a webhook; the tests of
	// api/webhooks_test.go and api/admin post signed ones.
	unsigned accessOutcome = "401sig"
)

// The rows of the matrix: one outcome per principal, in the order of
// accessWorld.principals:
//
//	none  A-owner A-buyer A-approver A-admin  B-buyer B-approver B-admin  sales_rep sales_manager ops
const (
	// Open to everyone.
	rowPublic = "ok   ok  ok  ok  ok   ok  ok  ok   ok  ok  ok"
	// Any employee of a buying company, on their own company's data (B), so
	// B's employees are allowed too: they get their own company's.
	rowOwnCompany = "401  ok  ok  ok  ok   ok  ok  ok   403 403 403"
	// A's cart, as its owner only (B): A's other employees are refused, B's
	// do not find it.
	rowOwnerWrite = "401  ok  403na 403na 403na  404 404 404  403 403 403"
	// Reads of A's cart, checkout or order by anyone of A, and by ops across
	// companies (B+O); B's employees do not find them.
	rowCompanyRead = "401  ok  ok  ok  ok   404 404 404  403 403 ok"
	// The caller's company's approvals (A): approvers and admins only.
	rowApprovalList = "401  403 403 ok  ok   403 ok  ok   403 403 403"
	// Decide on A's checkout (A): A's approvers and admins; B's do not find it.
	rowDecide = "401  403 403 ok  ok   403 404 404  403 403 403"
	// The admin API (O): ops alone.
	rowAdmin = "401  403 403 403 403  403 403 403  403 403 ok"
	// A company admin's self-service on their own company (B): each
	// company's admin, on their own company's people and tokens.
	rowCompanyAdmin = "401  403 403 403 ok   403 403 ok   403 403 403"
	// A company admin's self-service on one of A's employees or tokens (A):
	// A's admin; B's admin does not find it.
	rowCompanyAdminOfA = "401  403 403 403 ok   403 403 404  403 403 403"
	// Write on A's quote as any of A's employees (a message); B's do not
	// find it.
	rowCompanyWrite = "401  ok  ok  ok  ok   404 404 404  403 403 403"
	// The sales desk: sales reps and sales managers.
	rowSales = "401  403 403 403 403  403 403 403  ok  ok  403"
	// The sales desk's decisions for managers alone.
	rowManager = "401  403 403 403 403  403 403 403  403 ok  403"
	// Inbound webhooks: only an integration's signature authenticates, so no
	// principal, with or without a token, gets past an unsigned request.
	rowSigned = "401sig 401sig 401sig 401sig 401sig  401sig 401sig 401sig  401sig 401sig 401sig"
)

// accessRoute is a route's line of the matrix.
type accessRoute struct {
	expect string // one of the rows above
	ok     []int  // what an allowed call answers
	// call builds the request; fresh asks for resources of the request's own
	// (an allowed write must not change what the other cases target).
	call func(t *testing.T, w *accessWorld, fresh bool) accessCall
	// verify checks an allowed answer further (lists: no other company's rows).
	verify func(t *testing.T, w *accessWorld, p accessPrincipal, res response)
}

// accessCall is one request of the matrix.
type accessCall struct {
	path string
	body any
	// settle waits for what an allowed call set going (a checkout) to end.
	settle func(t *testing.T)
}

// getPath is the call of a route that needs no resource.
func getPath(path string) func(*testing.T, *accessWorld, bool) accessCall {
	return func(*testing.T, *accessWorld, bool) accessCall { return accessCall{path: path} }
}

// accessRoutes is the matrix: every route the API serves, keyed as gin lists
// it. A route missing here fails the test, so no route is added without
// deciding who may call it.
func accessRoutes() map[string]accessRoute {
	cart := func(t *testing.T, w *accessWorld, fresh bool) uuid.UUID {
		if fresh {
			return w.freshOpenCart(t)
		}
		return w.openCart
	}
	awaiting := func(t *testing.T, w *accessWorld, fresh bool) uuid.UUID {
		if fresh {
			return w.takeAwaitingCart(t)
		}
		return w.awaitingCart
	}
	company := func(w *accessWorld, fresh bool) string {
		if fresh {
			return w.scratch.ID.String()
		}
		return w.a.ID.String()
	}
	priceList := func(t *testing.T, w *accessWorld, fresh bool) string {
		if fresh {
			return testenv.NewPriceList(t, w.s.Pool, testenv.PriceList{Name: "scratch list", CompanyID: w.scratch.ID, Currency: "EUR"}).String()
		}
		return w.aPriceList.String()
	}
	priceListBody := func(w *accessWorld, fresh bool) map[string]any {
		return map[string]any{"name": "Everything at a cent", "company_id": company(w, fresh), "currency": "EUR",
			"tiers": []map[string]any{{"sku": w.sku, "min_quantity": 1, "unit_price": 1}}}
	}
	person := func(role string) map[string]any {
		return map[string]any{"email": strings.ToLower(uniqueName("mallory-")) + "@example.com", "name": "Mallory", "role": role}
	}
	decide := func(decision, comment, ends string) func(*testing.T, *accessWorld, bool) accessCall {
		return func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := awaiting(t, w, fresh)
			return accessCall{path: "/v1/approvals/" + id.String() + "/" + decision, body: map[string]any{"comment": comment},
				settle: func(t *testing.T) { w.awaitCheckoutEnd(t, id, ends) }}
		}
	}

	routes := map[string]accessRoute{
		"GET /healthz":      {expect: rowPublic, ok: []int{200}, call: getPath("/healthz")},
		"GET /readyz":       {expect: rowPublic, ok: []int{200}, call: getPath("/readyz")},
		"GET /metrics":      {expect: rowPublic, ok: []int{200}, call: getPath("/metrics")},
		"GET /openapi.yaml": {expect: rowPublic, ok: []int{200}, call: getPath("/openapi.yaml")},
		"POST /v1/webhooks/:integration": {expect: rowSigned, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/webhooks/" + w.integration.Name, body: map[string]any{
				"id": "evt_matrix", "type": "shipment.created", "created": time.Now().Unix(), "data": map[string]any{"order_id": w.order}}}
		}},

		"GET /v1/products":         {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/products")},
		"GET /v1/catalog/products": {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/catalog/products?q=" + "product")},
		"GET /v1/catalog/products/:product": {expect: rowOwnCompany, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/catalog/products/" + w.sku} // a SKU's own product has the SKU as its handle
		}},
		"POST /v1/carts": {expect: rowOwnCompany, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/carts", body: map[string]any{"currency": "EUR"}}
		}},
		"GET /v1/carts/:cart_id": {expect: rowCompanyRead, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: cartPath(w.openCart)}
		}},
		"POST /v1/carts/:cart_id/lines": {expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: cartPath(cart(t, w, fresh), "lines"), body: map[string]any{"sku": w.sku, "quantity": 3}}
		}},
		"PUT /v1/carts/:cart_id/lines/:sku": {expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: cartPath(cart(t, w, fresh), "lines", w.sku), body: map[string]any{"quantity": 7}}
		}},
		"DELETE /v1/carts/:cart_id/lines/:sku": {expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: cartPath(cart(t, w, fresh), "lines", w.sku)}
		}},
		"POST /v1/carts/:cart_id/checkout": {expect: rowOwnerWrite, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := cart(t, w, fresh)
			return accessCall{path: cartPath(id, "checkout"), settle: func(t *testing.T) { w.awaitCheckoutEnd(t, id, "placed") }}
		}},
		"GET /v1/carts/:cart_id/checkout": {expect: rowCompanyRead, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: cartPath(w.awaitingCart, "checkout")}
		}},
		"POST /v1/carts/:cart_id/checkout/withdraw": {expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := awaiting(t, w, fresh)
			return accessCall{path: cartPath(id, "checkout", "withdraw"), settle: func(t *testing.T) { w.awaitCheckoutEnd(t, id, "failed") }}
		}},
		"PATCH /v1/carts/:cart_id": {expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: cartPath(cart(t, w, fresh)), body: map[string]any{
				"ship_to":         map[string]any{"name": "Mallory", "line1": "1 Elsewhere Street", "city": "Berlin", "postal_code": "10115", "country": "DE"},
				"shipping_method": w.shippingCode, "po_number": "PO-MALLORY", "buyer_reference": "not yours",
			}}
		}},
		"POST /v1/carts/:cart_id/lines/bulk": {expect: rowOwnerWrite, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: cartPath(cart(t, w, fresh), "lines", "bulk"), body: map[string]any{
				"lines": []map[string]any{{"sku": w.sku, "quantity": 4}}}}
		}},
		"GET /v1/shipping-methods": {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/shipping-methods")},
		"GET /v1/orders":           {expect: rowOwnCompany, ok: []int{200}, call: getPath("/v1/orders?limit=100"), verify: verifyOrderList},
		"GET /v1/orders/:order_id": {expect: rowCompanyRead, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/orders/" + w.order.String()}
		}},

		"GET /v1/approvals":                   {expect: rowApprovalList, ok: []int{200}, call: getPath("/v1/approvals?limit=100"), verify: verifyApprovalList},
		"POST /v1/approvals/:cart_id/approve": {expect: rowDecide, ok: []int{200}, call: decide("approve", "looks fine", "placed")},
		"POST /v1/approvals/:cart_id/reject":  {expect: rowDecide, ok: []int{200}, call: decide("reject", "too expensive", "failed")},

		"POST /v1/admin/companies": {expect: rowAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/admin/companies", body: map[string]any{"name": "Mallory Ltd", "currency": "EUR", "credit_limit": 1_000_000_00}}
		}},
		"GET /v1/admin/companies": {expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/companies")},
		"GET /v1/admin/companies/:company_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + w.a.ID.String()}
		}},
		"PATCH /v1/admin/companies/:company_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh), body: map[string]any{"credit_limit": 999_999_999_00, "tax_exempt": true}}
		}},
		"POST /v1/admin/companies/:company_id/employees": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/employees", body: person("company_admin")}
		}},
		"GET /v1/admin/companies/:company_id/employees": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + w.a.ID.String() + "/employees"}
		}},
		"PATCH /v1/admin/employees/:employee_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.owner.ID
			if fresh {
				id = testenv.NewEmployee(t, w.s.Pool, w.scratch, "buyer").ID
			}
			return accessCall{path: "/v1/admin/employees/" + id.String(), body: map[string]any{"role": "company_admin"}}
		}},
		"POST /v1/admin/employees/:employee_id/tokens": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.owner.ID
			if fresh {
				id = testenv.NewEmployee(t, w.s.Pool, w.scratch, "buyer").ID
			}
			return accessCall{path: "/v1/admin/employees/" + id.String() + "/tokens", body: map[string]any{"label": "takeover"}}
		}},
		"POST /v1/admin/staff": {expect: rowAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/admin/staff", body: person("ops")}
		}},
		"POST /v1/admin/staff/:staff_id/tokens": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.opsStaff
			if fresh {
				id = testenv.NewStaff(t, w.s.Pool, "sales_rep").ID
			}
			return accessCall{path: "/v1/admin/staff/" + id.String() + "/tokens", body: map[string]any{"label": "takeover"}}
		}},
		"PUT /v1/admin/companies/:company_id/spending-limits": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/spending-limits",
				body: map[string]any{"period": "order", "amount": 1, "currency": "EUR"}}
		}},
		"GET /v1/admin/companies/:company_id/spending-limits": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + w.a.ID.String() + "/spending-limits"}
		}},
		"DELETE /v1/admin/spending-limits/:limit_id": {expect: rowAdmin, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.aSpendingLimit
			if fresh {
				id = w.newScratchSpendingLimit(t)
			}
			return accessCall{path: "/v1/admin/spending-limits/" + id.String()}
		}},
		"POST /v1/admin/companies/:company_id/approval-rules": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/approval-rules",
				body: map[string]any{"kind": "total_above", "threshold": 1}}
		}},
		"GET /v1/admin/companies/:company_id/approval-rules": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + w.a.ID.String() + "/approval-rules"}
		}},
		"DELETE /v1/admin/approval-rules/:rule_id": {expect: rowAdmin, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.aApprovalRule
			if fresh {
				id = testenv.NewApprovalRule(t, w.s.Pool, w.scratch, testenv.ApprovalRule{Kind: "total_above", Threshold: 1})
			}
			return accessCall{path: "/v1/admin/approval-rules/" + id.String()}
		}},
		"POST /v1/admin/price-lists": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/price-lists", body: priceListBody(w, fresh)}
		}},
		"GET /v1/admin/price-lists": {expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/price-lists")},
		"GET /v1/admin/price-lists/:price_list_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/price-lists/" + w.aPriceList.String()}
		}},
		"PUT /v1/admin/price-lists/:price_list_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/price-lists/" + priceList(t, w, fresh), body: priceListBody(w, fresh)}
		}},
		"DELETE /v1/admin/price-lists/:price_list_id": {expect: rowAdmin, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/price-lists/" + priceList(t, w, fresh)}
		}},
		"PUT /v1/admin/products/:sku": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			sku := w.sku
			if fresh {
				sku = uniqueName("MATRIX-")
			}
			return accessCall{path: "/v1/admin/products/" + sku,
				body: map[string]any{"name": "Free bolts", "weight_grams": 0, "prices": map[string]any{"EUR": 1}, "on_hand": 100_000}}
		}},
		"PUT /v1/admin/products/:sku/quantity-rule": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/products/" + ruleSKU(t, w, uuid.Nil, fresh) + "/quantity-rule", body: map[string]any{"max_quantity": 10_000}}
		}},
		"GET /v1/admin/products/:sku/quantity-rule": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/products/" + w.sku + "/quantity-rule"}
		}},
		"DELETE /v1/admin/products/:sku/quantity-rule": {expect: rowAdmin, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/products/" + ruleSKU(t, w, uuid.Nil, fresh) + "/quantity-rule"}
		}},
		"PUT /v1/admin/companies/:company_id/quantity-rules/:sku": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/quantity-rules/" + ruleSKU(t, w, w.scratch.ID, fresh),
				body: map[string]any{"min_quantity": 1}}
		}},
		"GET /v1/admin/companies/:company_id/quantity-rules/:sku": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + w.a.ID.String() + "/quantity-rules/" + w.sku}
		}},
		"DELETE /v1/admin/companies/:company_id/quantity-rules/:sku": {expect: rowAdmin, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/quantity-rules/" + ruleSKU(t, w, w.scratch.ID, fresh)}
		}},
		"POST /v1/admin/catalog/products": {expect: rowAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/admin/catalog/products", body: catalogProductBody(uniqueName("matrix-"), uniqueName("MATRIX-"))}
		}},
		"GET /v1/admin/catalog/products/:product_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/catalog/products/" + testenv.ProductIDOfSKU(t, w.s.Pool, w.sku).String()}
		}},
		"PUT /v1/admin/catalog/products/:product_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			sku := w.sku
			if fresh {
				sku = testenv.NewProduct(t, w.s.Pool, "EUR", 1, 1)
			}
			return accessCall{path: "/v1/admin/catalog/products/" + testenv.ProductIDOfSKU(t, w.s.Pool, sku).String(), body: catalogProductBody(sku, sku)}
		}},
		"POST /v1/admin/assortments": {expect: rowAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/admin/assortments", body: map[string]any{"name": uniqueName("Mallory range "), "products": []string{}}}
		}},
		"GET /v1/admin/assortments": {expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/assortments")},
		"GET /v1/admin/assortments/:assortment_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/assortments/" + w.assortment.String()}
		}},
		"PUT /v1/admin/assortments/:assortment_id": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.assortment
			if fresh {
				id = testenv.NewAssortment(t, w.s.Pool, "scratch range")
			}
			return accessCall{path: "/v1/admin/assortments/" + id.String(), body: map[string]any{"name": uniqueName("Nothing "), "products": []string{}}}
		}},
		"DELETE /v1/admin/assortments/:assortment_id": {expect: rowAdmin, ok: []int{204}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.assortment
			if fresh {
				id = testenv.NewAssortment(t, w.s.Pool, "scratch range")
			}
			return accessCall{path: "/v1/admin/assortments/" + id.String()}
		}},
		"PUT /v1/admin/companies/:company_id/assortment": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/assortment", body: map[string]any{"assortment_id": w.assortment}}
		}},
		"PUT /v1/admin/shipping-methods/:code": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			code := w.shippingCode
			if fresh {
				code = strings.ToLower(uniqueName("scratch-"))
			}
			return accessCall{path: "/v1/admin/shipping-methods/" + code,
				body: map[string]any{"name": "Free shipping", "currency": "EUR", "base_amount": 0, "per_kg_amount": 0}}
		}},
		"PUT /v1/admin/tax-rates/:country": {expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			country := "DE"
			if fresh {
				country = "AT"
			}
			return accessCall{path: "/v1/admin/tax-rates/" + country, body: map[string]any{"rate_bp": 0}}
		}},
	}
	routes["POST /v1/admin/stock-locations"] = accessRoute{expect: rowAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
		return accessCall{path: "/v1/admin/stock-locations", body: map[string]any{"code": strings.ToLower(uniqueName("wh-")), "name": "Matrix warehouse", "country": "FR"}}
	}}
	routes["GET /v1/admin/stock-locations"] = accessRoute{expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/stock-locations")}
	routes["PUT /v1/admin/stock-locations/:code/stock/:sku"] = accessRoute{expect: rowAdmin, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
			return accessCall{path: "/v1/admin/stock-locations/default/stock/" + w.sku, body: map[string]any{"on_hand": 100_000}}
		}}
	routes["GET /v1/admin/stock/:sku"] = accessRoute{expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
		return accessCall{path: "/v1/admin/stock/" + w.sku}
	}}
	routes["PUT /v1/admin/companies/:company_id/preferred-location"] = accessRoute{expect: rowAdmin, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/companies/" + company(w, fresh) + "/preferred-location", body: map[string]any{"location": "default"}}
		}}
	routes["POST /v1/admin/integrations"] = accessRoute{expect: rowAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
		return accessCall{path: "/v1/admin/integrations", body: map[string]any{"name": strings.ToLower(uniqueName("carrier-")), "kind": "carrier"}}
	}}
	routes["GET /v1/admin/integrations"] = accessRoute{expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/integrations")}
	routes["POST /v1/admin/integrations/:integration_id/rotate-secret"] = accessRoute{expect: rowAdmin, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.integration.ID
			if fresh {
				id = testenv.NewIntegration(t, w.s.Pool, strings.ToLower(uniqueName("scratch-"))).ID
			}
			return accessCall{path: "/v1/admin/integrations/" + id.String() + "/rotate-secret"}
		}}
	// A's employee (and one of their tokens) to act on; fresh ones for the
	// allowed writes of A's admin and of ops (in the scratch company).
	aEmployee := func(t *testing.T, w *accessWorld, fresh bool) testenv.Buyer {
		if fresh {
			return testenv.NewEmployee(t, w.s.Pool, w.a, "buyer")
		}
		return w.owner
	}
	scratchEmployee := func(t *testing.T, w *accessWorld, fresh bool) testenv.Buyer {
		if fresh {
			return testenv.NewEmployee(t, w.s.Pool, w.scratch, "buyer")
		}
		return w.owner
	}
	routes["POST /v1/company/employees"] = accessRoute{expect: rowCompanyAdmin, ok: []int{201}, call: func(*testing.T, *accessWorld, bool) accessCall {
		return accessCall{path: "/v1/company/employees", body: person("buyer")}
	}}
	routes["GET /v1/company/employees"] = accessRoute{expect: rowCompanyAdmin, ok: []int{200}, call: getPath("/v1/company/employees?limit=100"),
		verify: verifyCompanyEmployees}
	routes["PATCH /v1/company/employees/:employee_id"] = accessRoute{expect: rowCompanyAdminOfA, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/company/employees/" + aEmployee(t, w, fresh).ID.String(), body: map[string]any{"role": "company_admin"}}
		}}
	routes["POST /v1/company/employees/:employee_id/deactivate"] = accessRoute{expect: rowCompanyAdminOfA, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/company/employees/" + aEmployee(t, w, fresh).ID.String() + "/deactivate"}
		}}
	routes["POST /v1/company/employees/:employee_id/tokens"] = accessRoute{expect: rowCompanyAdminOfA, ok: []int{201},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/company/employees/" + aEmployee(t, w, fresh).ID.String() + "/tokens", body: map[string]any{"label": "takeover"}}
		}}
	routes["GET /v1/company/tokens"] = accessRoute{expect: rowCompanyAdmin, ok: []int{200}, call: getPath("/v1/company/tokens?limit=100"),
		verify: verifyCompanyTokens}
	routes["DELETE /v1/company/tokens/:token_id"] = accessRoute{expect: rowCompanyAdminOfA, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/company/tokens/" + tokenIDOf(t, w.s.Pool, aEmployee(t, w, fresh).Token).String()}
		}}
	routes["POST /v1/admin/employees/:employee_id/deactivate"] = accessRoute{expect: rowAdmin, ok: []int{200},
		call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/employees/" + scratchEmployee(t, w, fresh).ID.String() + "/deactivate"}
		}}
	routes["GET /v1/admin/companies/:company_id/tokens"] = accessRoute{expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, _ bool) accessCall {
		return accessCall{path: "/v1/admin/companies/" + w.a.ID.String() + "/tokens"}
	}}
	routes["DELETE /v1/admin/tokens/:token_id"] = accessRoute{expect: rowAdmin, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
		return accessCall{path: "/v1/admin/tokens/" + tokenIDOf(t, w.s.Pool, scratchEmployee(t, w, fresh).Token).String()}
	}}
	routes["GET /v1/admin/webhook-events"] = accessRoute{expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/webhook-events?status=unmatched")}
	for route, line := range quoteRoutes() {
		routes[route] = line
	}
	for route, line := range orderRoutes() {
		routes[route] = line
	}
	for route, line := range buyerConvenienceRoutes() {
		routes[route] = line
	}
	for route, line := range onBehalfRoutes() {
		routes[route] = line
	}
	return routes
}

// routerRoutes lists the routes the API serves, from its router.
func routerRoutes() []gin.RouteInfo {
	gin.SetMode(gin.ReleaseMode) // as Server.Handler does; no route dump in the test log
	r := gin.New()
	api.NewServer(nil, nil, nil, api.Options{}).Routes(r, app.APIAreas...)
	return r.Routes()
}

// accessCase is one cell of the matrix.
type accessCase struct {
	route     string
	method    string
	spec      accessRoute
	principal accessPrincipal
	outcome   accessOutcome
}

func (c accessCase) name() string { return c.route + "/" + c.principal.name }

// writes tells whether the case is an allowed write: those run after every
// refusal and read, on resources of their own.
func (c accessCase) writes() bool { return c.outcome == allowed && c.method != http.MethodGet }

func TestAccessMatrix(t *testing.T) {
	table := accessRoutes()
	var routes []gin.RouteInfo
	for _, r := range routerRoutes() {
		key := r.Method + " " + r.Path
		if _, ok := table[key]; !ok {
			t.Errorf("%s has no line in the access matrix: decide who may call it (accessRoutes)", key)
			continue
		}
		routes = append(routes, r)
	}
	served := map[string]bool{}
	for _, r := range routes {
		served[r.Method+" "+r.Path] = true
	}
	for key := range table {
		if !served[key] {
			t.Errorf("the access matrix has a line for %s, which the API does not serve", key)
		}
	}
	require.False(t, t.Failed(), "the access matrix must cover exactly the API's routes")

	w := newAccessWorld(t)
	var cases []accessCase
	for _, r := range routes {
		key := r.Method + " " + r.Path
		spec := table[key]
		outcomes := strings.Fields(spec.expect)
		require.Len(t, outcomes, len(w.principals), "%s: one outcome per principal", key)
		for i, p := range w.principals {
			o := accessOutcome(outcomes[i])
			require.Contains(t, []accessOutcome{allowed, noToken, roleRefused, notOwner, notFound, unsigned}, o, "%s: outcome of %s", key, p.name)
			cases = append(cases, accessCase{route: key, method: r.Method, spec: spec, principal: p, outcome: o})
		}
	}

	var gaps contractGaps
	// Refusals and reads first, each against the same database: none of them
	// may change a row. A write that leaks is reported by the case that made it.
	baseline := w.fingerprint(t)
	for _, c := range cases {
		if c.writes() {
			continue
		}
		t.Run(c.name(), func(t *testing.T) {
			defer func() { // also when the case failed already, so the next one is judged on its own
				after := w.fingerprint(t)
				if changed := baseline.changedTables(after); len(changed) > 0 {
					t.Errorf("%s as %s (expected %s) changed the database: %s", c.route, c.principal.name, c.outcome, strings.Join(changed, ", "))
					baseline = after
				}
			}()
			w.runAccessCase(t, c, &gaps, false)
		})
	}
	// The refused decisions and withdrawals never reached the workflow, and the
	// refused checkouts never started one.
	t.Run("workflows untouched", func(t *testing.T) {
		require.Zero(t, acceptedUpdates(t, w.s, w.awaitingCart), "updates accepted by the checkout everyone was refused")
		require.False(t, w.checkoutStarted(t, w.openCart), "a checkout of the cart everyone but A was refused")
	})

	for _, c := range cases {
		if c.writes() {
			t.Run(c.name(), func(t *testing.T) { w.runAccessCase(t, c, &gaps, true) })
		}
	}
	t.Run("A's targets intact", func(t *testing.T) {
		cart := newBuyerClient(t, w.s, w.owner).getCart(w.openCart)
		require.Equal(t, "open", cart.Status)
		require.Len(t, cart.Lines, 1)
		require.Equal(t, int64(2), cart.Lines[0].Quantity)
		require.Nil(t, cart.ShipTo, "ship-to of the cart only its owner may change")
		require.Equal(t, "pending", approvalRequest(t, w.s.Pool, w.awaitingCart).Status)
	})
	t.Run("contract", func(t *testing.T) { gaps.report(t) })
	t.Logf("%d routes × %d principals = %d cases", len(routes), len(w.principals), len(cases))
}

// runAccessCase makes the case's request and checks the answer; a 404 must
// also be byte for byte the answer for IDs that exist nowhere.
func (w *accessWorld) runAccessCase(t *testing.T, c accessCase, gaps *contractGaps, fresh bool) {
	call := c.spec.call(t, w, fresh)
	client := buyerClient{t: t, base: w.s.API.URL, token: c.principal.token}
	req, res, err := client.roundTrip(c.method, call.path, call.body)
	require.NoError(t, err)
	gaps.check(t, c.route, c.principal, req, res)

	switch c.outcome {
	case allowed:
		require.Contains(t, c.spec.ok, res.Status, "%s %s as %s: %s", c.method, call.path, c.principal.name, res.Body)
		if call.settle != nil {
			call.settle(t)
		}
		if c.spec.verify != nil {
			c.spec.verify(t, w, c.principal, res)
		}
	case noToken:
		res.requireError(t, http.StatusUnauthorized, "unauthorized", "")
	case unsigned:
		res.requireError(t, http.StatusUnauthorized, "invalid_signature", "")
	case roleRefused:
		res.requireError(t, http.StatusForbidden, "forbidden", "")
	case notOwner:
		res.requireError(t, http.StatusForbidden, "not_allowed", "")
	case notFound:
		res.requireError(t, http.StatusNotFound, "not_found", "")
		unknown := withUnknownIDs(call.path)
		require.NotEqual(t, call.path, unknown)
		_, ghost, err := client.roundTrip(c.method, unknown, call.body)
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(ghost.Status)+" "+string(ghost.Body), strconv.Itoa(res.Status)+" "+string(res.Body),
			"another company's resource must look exactly like none")
	}
}

// verifyOrderList checks that a list of orders holds only the caller's
// company's: B's employees never see one of A's.
func verifyOrderList(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page api.OrderPage
	res.decode(t, &page)
	aOrders, aCustomers := w.companyRows(t, "orders", w.a.ID), w.companyRows(t, "customers", w.a.ID)
	var ids []uuid.UUID
	for _, o := range page.Orders {
		ids = append(ids, o.ID)
		if p.company == w.b.ID {
			require.False(t, aOrders[o.ID], "%s sees A's order %s", p.name, o.ID)
			require.False(t, aCustomers[o.CustomerID], "%s sees an order of A's employee %s", p.name, o.CustomerID)
		}
	}
	switch p.name {
	case "A-owner":
		require.Contains(t, ids, w.order, "the owner's own order is listed")
	case "B-buyer":
		require.Contains(t, ids, w.bOrder, "B's buyer's own order is listed")
	}
}

// verifyCompanyEmployees checks that a company admin's list of employees
// holds their own company's only, all of them.
func verifyCompanyEmployees(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page admin.EmployeePage
	res.decode(t, &page)
	own := w.companyRows(t, "customers", p.company)
	for _, e := range page.Employees {
		require.Equal(t, p.company, e.CompanyID, "%s sees another company's employee %s", p.name, e.ID)
		require.True(t, own[e.ID])
	}
	require.Len(t, page.Employees, len(own), "%s sees every employee of their company", p.name)
}

// verifyCompanyTokens checks that a company admin's list of tokens holds
// their own company's employees' only, without the tokens themselves.
func verifyCompanyTokens(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page admin.TokenPage
	res.decode(t, &page)
	own := w.companyRows(t, "customers", p.company)
	require.NotEmpty(t, page.Tokens)
	for _, tok := range page.Tokens {
		require.NotNil(t, tok.EmployeeID)
		require.True(t, own[*tok.EmployeeID], "%s sees a token of another company's employee %s", p.name, *tok.EmployeeID)
	}
	require.NotContains(t, string(res.Body), "oft_", "no token's secret is listed")
}

// tokenIDOf is the ID of a token, for the routes that revoke one.
func tokenIDOf(t *testing.T, pool *pgxpool.Pool, token string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT id FROM api_tokens WHERE token_hash = $1", apitoken.Hash(token)).Scan(&id))
	return id
}

// verifyApprovalList checks that a list of approvals holds only the caller's
// company's: B's approvers never see one of A's.
func verifyApprovalList(t *testing.T, w *accessWorld, p accessPrincipal, res response) {
	var page api.ApprovalPage
	res.decode(t, &page)
	aCarts, aCustomers := w.companyRows(t, "carts", w.a.ID), w.companyRows(t, "customers", w.a.ID)
	var carts []uuid.UUID
	for _, a := range page.Approvals {
		carts = append(carts, a.CartID)
		if p.company == w.b.ID {
			require.False(t, aCarts[a.CartID], "%s sees the approval of A's cart %s", p.name, a.CartID)
			require.False(t, aCustomers[a.BuyerID], "%s sees an approval of A's employee %s", p.name, a.BuyerID)
		}
	}
	switch p.company {
	case w.a.ID:
		require.Contains(t, carts, w.awaitingCart, "A's approvals list A's waiting checkout")
	case w.b.ID:
		require.Contains(t, carts, w.bAwaitingCart, "B's approvals list B's waiting checkout")
	}
}

// ruleSKU is the SKU whose quantity rule (company's, or the SKU's with
// uuid.Nil) an admin route acts on: the matrix's SKU, which has both A's and
// its own; fresh, a new product with a rule of its own (company's or its
// own), so an allowed write or delete changes nothing the other calls target.
func ruleSKU(t *testing.T, w *accessWorld, company uuid.UUID, fresh bool) string {
	if !fresh {
		return w.sku
	}
	sku := testenv.NewProduct(t, w.s.Pool, "EUR", accessUnitPrice, 0)
	testenv.SetQuantityRule(t, w.s.Pool, testenv.QuantityRule{Company: company, SKU: sku, MinQuantity: 1, Increment: 1})
	return sku
}
