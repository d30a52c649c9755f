package e2e_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/testenv"
)

// A buyer never learns that another company's cart or order exists: every such
// id answers 404, exactly like an id that exists nowhere.
func TestOtherCompanysCartsAndOrdersAreNotFound(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{})
	sku := testenv.NewProduct(t, s.Pool, "EUR", 100, 100)
	companyA := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	companyB := testenv.NewCompany(t, s.Pool, "EUR", 1_000_00)
	a := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, companyA))
	b := newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, companyB))

	openCart := a.createCart(sku, 2)
	placedCart := a.createCart(sku, 3)
	order := a.placeOrder(placedCart)
	b.placeOrder(b.createCart(sku, 1)) // B has orders of its own
	before := snapshot(t, s.Pool)

	requests := []struct{ method, path string }{
		{"GET", cartPath(openCart)},
		{"POST", cartPath(openCart, "lines")},
		{"PUT", cartPath(openCart, "lines", sku)},
		{"DELETE", cartPath(openCart, "lines", sku)},
		{"POST", cartPath(openCart, "checkout")},
		{"GET", cartPath(openCart, "checkout")},
		{"GET", cartPath(placedCart)},
		{"POST", cartPath(placedCart, "checkout")},
		{"GET", cartPath(placedCart, "checkout")},
		{"GET", "/v1/orders/" + order.ID.String()},
	}
	for _, r := range requests {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			var body any
			if r.method == "POST" || r.method == "PUT" {
				body = map[string]any{"sku": sku, "quantity": 5}
			}
			asB := b
			asB.t = t
			res := asB.do(r.method, r.path, body)
			res.requireError(t, http.StatusNotFound, "not_found", "")
		})
	}
	require.Equal(t, before, snapshot(t, s.Pool), "B changed nothing of A's")
	require.Equal(t, string(b.do("GET", cartPath(uuid.New()), nil).Body), string(b.do("GET", cartPath(openCart), nil).Body),
		"another company's cart looks exactly like no cart")
	cart := a.getCart(openCart)
	require.Equal(t, "open", cart.Status)
	require.Equal(t, int64(2), cart.Lines[0].Quantity)

	res := b.do("GET", "/v1/orders?limit=100", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var page api.OrderPage
	res.decode(t, &page)
	require.Len(t, page.Orders, 1, "B sees its own order only")
	require.NotEqual(t, order.ID, page.Orders[0].ID)
	require.Equal(t, companyB.ID, customerCompany(t, s, page.Orders[0].CustomerID))
}

func customerCompany(t testing.TB, s *testenv.Stack, customerID uuid.UUID) uuid.UUID {
	t.Helper()
	var company uuid.UUID
	require.NoError(t, s.Pool.QueryRow(t.Context(), "SELECT company_id FROM customers WHERE id = $1", customerID).Scan(&company))
	return company
}
