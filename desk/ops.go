package desk

import (
	"net/http"
	"net/url"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/commerce"
)

type opsOrdersPage struct {
	Orders   []api.Order
	Statuses []string
	Status   string
	Late     bool
}

// opsOrders lists every company's orders for ops, by status, or the late
// ones.
func (d *Desk) opsOrders(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	in := r.URL.Query()
	page := opsOrdersPage{Status: in.Get("status"), Late: in.Get("late") == "true"}
	for _, st := range commerce.OrderStatuses() {
		page.Statuses = append(page.Statuses, string(st))
	}
	q := url.Values{}
	if page.Status != "" {
		q.Set("status", page.Status)
	}
	if page.Late {
		q.Set("late", "true")
	}
	var err error
	if page.Orders, err = d.listOpsOrders(r, q); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "orders", page)
}

// listOpsOrders reads every order the filter q finds (up to maxListPages
// pages), as the API lists them for ops.
func (d *Desk) listOpsOrders(r *http.Request, q url.Values) ([]api.Order, error) {
	var out []api.Order
	q.Set("limit", "100")
	for range maxListPages {
		var p api.OrderPage
		if err := d.call(r, "GET", "/v1/admin/orders?"+q.Encode(), nil, "", &p); err != nil {
			return nil, err
		}
		out = append(out, p.Orders...)
		if p.NextCursor == "" {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	return out, nil
}

type stuckSyncsPage struct {
	Orders []api.Order
}

// stuckSyncs lists the orders whose push to the ERP spent its retries and
// waits for ops, with the last error, the attempts and a retry each.
func (d *Desk) stuckSyncs(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	orders, err := d.listOpsOrders(r, url.Values{"erp_sync": {"stuck"}})
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "stuck", stuckSyncsPage{Orders: orders})
}

type opsOrderPage struct {
	Order api.Order
}

// opsOrder shows one order to ops: statuses, deadlines, the ERP push, and the
// timeline, with a retry for a stuck push.
func (d *Desk) opsOrder(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if !s.who.Ops() {
		// GET /v1/orders/{id} serves buyers too; this screen is ops'.
		d.fail(w, r, s, &apiError{Status: http.StatusForbidden, Body: api.Error{Code: "forbidden", Message: "the " + string(s.who.Role) + " role may not do this"}})
		return
	}
	var o api.Order
	if err := d.call(r, "GET", "/v1/orders/"+url.PathEscape(r.PathValue("id")), nil, "", &o); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "order", opsOrderPage{Order: o})
}

// retryERPSync gives a stuck ERP push a fresh budget.
func (d *Desk) retryERPSync(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := d.call(r, "POST", "/v1/admin/orders/"+url.PathEscape(id)+"/erp-sync/retry", struct{}{}, r.PostFormValue(keyField), nil)
	d.done(w, r, returnTo(r, "/desk/ops/orders/"+url.PathEscape(id)), "ERP push retried: it runs again in the background.", err)
}
