package desk

import (
	"net/http"

	"github.com/orderflow/orderflow/api"
)

type cartsPage struct {
	Carts []api.SalesCartSummary
}

// cartList lists the carts built on behalf of buyers of the companies the
// rep looks after (every company's for a manager), oldest first: whose each
// is now (the rep's until sent, then the buyer's), and the order it became.
// Building them is the API's (/v1/sales/carts); the desk only shows them.
func (d *Desk) cartList(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var page api.SalesCartPage
	if err := d.call(r, "GET", "/v1/sales/carts?limit=100", nil, "", &page); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "carts", cartsPage{Carts: page.Carts})
}
