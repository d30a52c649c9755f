package e2e_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// Rows of the matrix for orders after checkout, in the order of
// accessWorld.principals:
//
//	none  A-owner A-buyer A-approver A-admin  B-buyer B-approver B-admin  sales_rep sales_manager ops
const (
	// Cancel A's order: the buyer who placed it, an admin of A, and ops (B+O);
	// A's other employees are refused (not_allowed), B's do not find it.
	rowOrderCancel = "401  ok  403na 403na ok   404 404 404  403 403 ok"
	// Ask to return goods of A's order: whoever may cancel it.
	rowOrderReturn = rowOrderCancel
)

// shippedOrder is an order of A's owner with one shipment, for the delivery
// route.
type shippedOrder struct {
	order, shipment uuid.UUID
}

// opsClient calls the API as the matrix's ops.
func (w *accessWorld) opsClient(t *testing.T) buyerClient {
	for _, p := range w.principals {
		if p.name == "ops" {
			return buyerClient{t: t, base: w.s.API.URL, token: p.token}
		}
	}
	t.Fatal("the matrix has no ops")
	return buyerClient{}
}

// freshOrder is a new order of A's owner (two units of sku) that takes
// updates: placed, and opened by its workflow.
func (w *accessWorld) freshOrder(t *testing.T) uuid.UUID {
	t.Helper()
	id := newBuyerClient(t, w.s, w.owner).placeOrderEventually(testenv.NewCart(t, w.s.Pool, w.owner, "EUR", map[string]int32{w.sku: 2})).ID
	return id
}

// newShippedOrder places an order of A's owner and ships one unit of it
// through the ops API.
func (w *accessWorld) newShippedOrder(t *testing.T) shippedOrder {
	t.Helper()
	id := w.freshOrder(t)
	res := w.opsClient(t).do("POST", "/v1/admin/orders/"+id.String()+"/shipments",
		map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 1}}, "tracking_number": "MATRIX-1"})
	require.Equal(t, http.StatusCreated, res.Status, "ship: %s", res.Body)
	var o api.Order
	res.decode(t, &o)
	require.Len(t, o.Shipments, 1)
	return shippedOrder{order: id, shipment: o.Shipments[0].ID}
}

// newDeliveredOrder places an order of A's owner and ships and delivers all
// of it (now, so its return window is open) through the ops API.
func (w *accessWorld) newDeliveredOrder(t *testing.T) uuid.UUID {
	t.Helper()
	id := w.freshOrder(t)
	ops := w.opsClient(t)
	res := ops.do("POST", "/v1/admin/orders/"+id.String()+"/shipments",
		map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 2}}, "tracking_number": "MATRIX-3"})
	require.Equal(t, http.StatusCreated, res.Status, "ship: %s", res.Body)
	var o api.Order
	res.decode(t, &o)
	res = ops.do("POST", "/v1/admin/orders/"+id.String()+"/shipments/"+o.Shipments[0].ID.String()+"/delivery", nil)
	require.Equal(t, http.StatusOK, res.Status, "deliver: %s", res.Body)
	return id
}

// orderReturn is a return of an order of A's owner, for ops' routes on
// returns.
type orderReturn struct {
	order, ret uuid.UUID
}

// path is the ops route of the return that ends in action.
func (r orderReturn) path(action string) string {
	return "/v1/admin/orders/" + r.order.String() + "/returns/" + r.ret.String() + "/" + action
}

// newReturn delivers an order of A's owner, whose owner asks to return one
// unit; approved, ops approve it.
func (w *accessWorld) newReturn(t *testing.T, approved bool) orderReturn {
	t.Helper()
	id := w.newDeliveredOrder(t)
	res := newBuyerClient(t, w.s, w.owner).do("POST", "/v1/orders/"+id.String()+"/returns",
		map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 1, "reason": "matrix"}}})
	require.Equal(t, http.StatusCreated, res.Status, "request return: %s", res.Body)
	var o api.Order
	res.decode(t, &o)
	r := orderReturn{order: id, ret: o.Returns[0].ID}
	if approved {
		res = w.opsClient(t).do("POST", r.path("approve"), nil)
		require.Equal(t, http.StatusOK, res.Status, "approve return: %s", res.Body)
	}
	return r
}

// orderRoutes are the matrix's lines for orders after checkout. Allowed
// writes act on orders of their own; every update they make has finished when
// the API answers, so they need no settling.
func orderRoutes() map[string]accessRoute {
	order := func(t *testing.T, w *accessWorld, fresh bool) uuid.UUID {
		if fresh {
			return w.freshOrder(t)
		}
		return w.order
	}
	lines := func(w *accessWorld) []map[string]any { return []map[string]any{{"sku": w.sku, "quantity": 1}} }
	// A return of A's order for the refusals (which never reach it), a
	// fresh one in the state the route needs for an allowed call.
	ret := func(t *testing.T, w *accessWorld, fresh, approved bool) orderReturn {
		if fresh {
			return w.newReturn(t, approved)
		}
		return orderReturn{order: w.order, ret: uuid.NewSHA1(uuid.NameSpaceURL, []byte("matrix-return"))}
	}
	return map[string]accessRoute{
		"POST /v1/orders/:order_id/cancel": {expect: rowOrderCancel, ok: []int{200}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/orders/" + order(t, w, fresh).String() + "/cancel",
				body: map[string]any{"lines": lines(w), "reason": "not yours to cancel"}}
		}},
		"POST /v1/orders/:order_id/returns": {expect: rowOrderReturn, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.order
			if fresh {
				id = w.newDeliveredOrder(t)
			}
			return accessCall{path: "/v1/orders/" + id.String() + "/returns",
				body: map[string]any{"lines": []map[string]any{{"sku": w.sku, "quantity": 1, "reason": "not yours to return"}}}}
		}},
		"POST /v1/admin/orders/:order_id/returns/:return_id/approve": {expect: rowAdmin, ok: []int{200},
			call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
				return accessCall{path: ret(t, w, fresh, false).path("approve"), body: map[string]any{"comment": "fine"}}
			}},
		"POST /v1/admin/orders/:order_id/returns/:return_id/reject": {expect: rowAdmin, ok: []int{200},
			call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
				return accessCall{path: ret(t, w, fresh, false).path("reject"), body: map[string]any{"comment": "used goods"}}
			}},
		"POST /v1/admin/orders/:order_id/returns/:return_id/receive": {expect: rowAdmin, ok: []int{200},
			call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
				return accessCall{path: ret(t, w, fresh, true).path("receive"),
					body: map[string]any{"lines": []map[string]any{{"sku": w.sku, "condition": "write_off"}}}}
			}},
		"POST /v1/admin/orders/:order_id/payments": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			id := w.order
			if fresh {
				id = w.newShippedOrder(t).order
			}
			return accessCall{path: "/v1/admin/orders/" + id.String() + "/payments", body: map[string]any{"amount": 1, "ref": "MATRIX-PAY"}}
		}},
		"GET /v1/admin/orders": {expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/orders?status=placed&limit=100")},
		// The stack's sandbox ERP takes every order: ops, allowed, are told the
		// push is not stuck (e2e/erp_sync_test.go retries stuck ones).
		"POST /v1/admin/orders/:order_id/erp-sync/retry":  {expect: rowAdmin, ok: []int{409}, call: erpSyncCall("retry")},
		"POST /v1/admin/orders/:order_id/erp-sync/cancel": {expect: rowAdmin, ok: []int{409}, call: erpSyncCall("cancel")},
		// The matrix stack's worker does not create the schedules: a
		// trigger creates its pull's first, so it is 202 always.
		"POST /v1/admin/erp/stock-pull": {expect: rowAdmin, ok: []int{202}, call: getPath("/v1/admin/erp/stock-pull")},
		"POST /v1/admin/erp/reconciliations": {expect: rowAdmin, ok: []int{202}, call: func(*testing.T, *accessWorld, bool) accessCall {
			return accessCall{path: "/v1/admin/erp/reconciliations",
				body: map[string]any{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}}
		}},
		"GET /v1/admin/erp/reconciliations": {expect: rowAdmin, ok: []int{200}, call: getPath("/v1/admin/erp/reconciliations")},
		"GET /v1/admin/erp/reconciliations/:reconciliation_id": {expect: rowAdmin, ok: []int{200},
			call: func(_ *testing.T, w *accessWorld, _ bool) accessCall {
				return accessCall{path: "/v1/admin/erp/reconciliations/" + w.reconciliation.ID.String()}
			}},
		// The matrix's finding is an ERP order keyed in by hand: ops, allowed,
		// are told it has no one-call repair (e2e/erp_reconcile_test.go repairs).
		"POST /v1/admin/erp/reconciliations/:reconciliation_id/findings/:finding_id/repair": {expect: rowAdmin, ok: []int{409},
			call: func(_ *testing.T, w *accessWorld, _ bool) accessCall {
				return accessCall{path: "/v1/admin/erp/reconciliations/" + w.reconciliation.ID.String() +
					"/findings/" + w.reconciliation.Finding.String() + "/repair"}
			}},
		"POST /v1/admin/erp/price-pull": {expect: rowAdmin, ok: []int{202}, call: getPath("/v1/admin/erp/price-pull")},
		"POST /v1/admin/orders/:order_id/shipments": {expect: rowAdmin, ok: []int{201}, call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
			return accessCall{path: "/v1/admin/orders/" + order(t, w, fresh).String() + "/shipments",
				body: map[string]any{"lines": lines(w), "carrier": "DHL", "tracking_number": "MATRIX-2"}}
		}},
		"POST /v1/admin/orders/:order_id/shipments/:shipment_id/delivery": {expect: rowAdmin, ok: []int{200},
			call: func(t *testing.T, w *accessWorld, fresh bool) accessCall {
				s := w.shipped
				if fresh {
					s = w.newShippedOrder(t)
				}
				return accessCall{path: "/v1/admin/orders/" + s.order.String() + "/shipments/" + s.shipment.String() + "/delivery"}
			}},
	}
}

// erpSyncCall steers the ERP push of A's order once it is synced.
func erpSyncCall(action string) func(t *testing.T, w *accessWorld, fresh bool) accessCall {
	return func(t *testing.T, w *accessWorld, _ bool) accessCall {
		awaitPushedToERP(t, w.s, w.order)
		return accessCall{path: "/v1/admin/orders/" + w.order.String() + "/erp-sync/" + action}
	}
}
